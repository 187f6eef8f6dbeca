"""Figures a notebook's prose quotes, taken from the run that produced its outputs, so the prose cannot drift.

A code cell calls `quote(name=value, ...)`; a markdown cell writes `{{name}}` or `{{name:format}}` (Python's format
spec, e.g. `{{ndcg:.3f}}`, `{{users:,}}`, `{{share:.0%}}`) where the figure goes. The values travel as an output of
the cell under `MIME` (nothing a reader sees); after the run, `make notebooks` fills each markdown cell from its
notebook's quoted figures (`fill`) and keeps the template in the cell's metadata, so every rerun fills it again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MIME = "application/vnd.lbrec.quote+json"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*(?::([^{}]*?))?\s*\}\}")
Figure = int | float | str


def quote(**figures: Figure) -> None:
    """Make `figures` (numbers or short strings) quotable by this notebook's markdown as `{{name}}`."""
    from IPython.display import display

    for name, value in figures.items():
        if not isinstance(value, int | float | str):  # numpy scalars and the like: the JSON output holds plain values
            figures[name] = value.item() if hasattr(value, "item") else str(value)
    display({MIME: figures}, raw=True)


def placeholders(template: str) -> list[str]:
    """The names `template` quotes, in order."""
    return [match.group(1) for match in PLACEHOLDER.finditer(template)]


def fill(template: str, figures: Mapping[str, Figure]) -> str:
    """`template` with each `{{name:format}}` replaced by `format(figures[name], format)`; a name that the run did
    not quote is a `KeyError` naming it, never a silent blank."""
    missing = [name for name in placeholders(template) if name not in figures]
    if missing:
        raise KeyError(f"not quoted by the run: {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: format(figures[match.group(1)], match.group(2) or ""), template)
