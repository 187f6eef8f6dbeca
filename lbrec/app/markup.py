"""The HTML every part of the page writes with: the stylesheet (`style.css`), escaping, a message box, a refusal as a
sentence, the spinner, a link, a folding list and films named in bold.

Every piece of text that came from outside is HTML-escaped with `escape`: the HTML widget renders its value
unsanitised.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from importlib import resources

from lbrec.data.titles import film_label
from lbrec.serving.results import FilmRef

MAX_LISTED = 300  # rows in a folding list


@functools.cache
def style() -> str:
    """The stylesheet, as a <style> element (read once per process from the package)."""
    return f"<style>\n{resources.files('lbrec.app').joinpath('style.css').read_text(encoding='utf-8')}</style>"


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def box(kind: str, body: str, *, escape_body: bool = True) -> str:
    """A message box: `error` or `info`."""
    return f'<div class="lbrec-box lbrec-{kind}">{escape(body) if escape_body else body}</div>'


def sentence(message: str) -> str:
    """A refusal as the page shows it: the one-line message both faces share, as a sentence."""
    message = message.strip()
    if not message:
        return message
    if re.match(r"[a-z]+(?![\w.:/])", message):  # a word, not a file's name or a link
        message = message[0].upper() + message[1:]
    return message + ("" if message[-1] in ".!?…" else ".")


def spinner(message: str) -> str:
    return f'<div class="lbrec-status"><span class="lbrec-spinner"></span>{escape(message)}</div>'


def link(url: str, text: str, cls: str = "") -> str:
    return f'<a class="{cls}" href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(text)}</a>'


def folding_list(summary: str, rows: list[str], open_: bool = False) -> str:
    """`rows` (<li> elements) under a summary that unfolds them, at most `MAX_LISTED` of them."""
    more = f"<li>… and {len(rows) - MAX_LISTED:,} more</li>" if len(rows) > MAX_LISTED else ""
    return (
        f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>"
        f'<ul class="lbrec-list">{"".join(rows[:MAX_LISTED])}{more}</ul></details>'
    )


def film_names(films: Sequence[FilmRef]) -> str:
    return ", ".join(f"<b>{escape(film_label(f.title, f.year))}</b>" for f in films)
