"""Driving the app's widgets in the kernel as a browser would, and reading back what they show (shared by the
kernel-side app tests)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

from lbrec.app.page import RecommenderApp
from lbrec.app.sources import TYPED_TAB, UPLOAD_TAB

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"


def upload(app: RecommenderApp, data: bytes, name: str = "letterboxd-lbrectest-2026-11-25-08-00-utc.zip") -> None:
    """Choose `data` as the uploaded export, as the browser hands a file over."""
    app.sources.tabs.selected_index = UPLOAD_TAB
    app.sources.upload.value = (
        {
            "name": name,
            "type": "application/zip",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.now(UTC),
        },
    )


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
