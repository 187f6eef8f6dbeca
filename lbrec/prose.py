"""Figures a notebook's prose quotes, taken from the run that produced its outputs, so the prose cannot drift.

A code cell calls `quote(name=value, ...)`, a value being a number, a string, or a dict or list of them (a report);
a markdown cell writes `{{name}}`, `{{name.key.0}}` (into dicts and lists) or `{{name:format}}` (Python's format
spec, e.g. `{{ndcg:.3f}}`, `{{users:,}}`, `{{share:.0%}}`) where the figure goes. The values travel as an output of
the cell under `MIME` (nothing a reader sees); after the run, `make notebooks` fills each markdown cell from its
notebook's quoted figures (`fill`) and keeps the template in the cell's metadata, so every rerun fills it again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MIME = "application/vnd.lbrec.quote+json"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w@.-]*)\s*(?::([^{}]*?))?\s*\}\}")


def quote(**figures: Any) -> None:
    """Make `figures` quotable by this notebook's markdown as `{{name}}`."""
    from IPython.display import display

    display({MIME: plain(figures)}, raw=True)


def plain(value: Any) -> Any:
    """`value` as JSON holds it: NumPy scalars as Python numbers, tuples and arrays as lists."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if hasattr(value, "tolist"):  # a NumPy array or scalar
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot quote {type(value).__name__}: quote numbers, strings, and dicts or lists of them")


def placeholders(template: str) -> list[str]:
    """The names `template` quotes, in order."""
    return [match.group(1) for match in PLACEHOLDER.finditer(template)]


def figure(figures: Mapping[str, Any], name: str) -> Any:
    """`figures["a"]["b"][0]` for the name "a.b.0"; a `KeyError` naming it when the run did not quote it."""
    value: Any = figures
    for key in name.split("."):
        try:
            value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise KeyError(f"not quoted by the run: {name}") from None
    return value


def fill(template: str, figures: Mapping[str, Any]) -> str:
    """`template` with each `{{name:format}}` replaced by `format(figure, format)`; a name that the run did not
    quote is a `KeyError` naming it, never a silent blank."""
    return PLACEHOLDER.sub(lambda match: format(figure(figures, match.group(1)), match.group(2) or ""), template)
