"""Driving the app's widgets in the kernel as a browser would, and reading back what they show (shared by the
kernel-side app tests)."""

from __future__ import annotations

import base64
import re

from lbrec.app.page import RecommenderApp
from lbrec.app.sources import TYPED_TAB

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"


def typed(app: RecommenderApp, text: str = TYPED) -> RecommenderApp:
    """Type `text` in the "Type titles" tab and click "Recommend films"."""
    app.sources.tabs.selected_index = TYPED_TAB
    app.sources.typed.value = text
    app.go.click()
    return app


def downloads(app: RecommenderApp) -> dict[str, str | bytes]:
    """The files behind the download links, by file name."""
    found = re.findall(r'download="([^"]+)" href="data:([^;]+)(;charset=utf-8)?;base64,([^"]+)"', app.downloads.value)
    return {
        name: base64.b64decode(data).decode("utf-8") if text else base64.b64decode(data)
        for name, _, text, data in found
    }


def cards(app: RecommenderApp) -> list[str]:
    """The cards on screen, as HTML."""
    return re.findall(
        r'<div class="lbrec-card[ "].*?</div></div>(?=<div class="lbrec-card[ "]|</div>$)', app.results.value
    )
