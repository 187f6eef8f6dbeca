"""The widget that keeps the visitor's memory in their browser (`memory.js`, an anywidget): it sends what the
browser remembers and each mark to the kernel, stores what the kernel says to keep, and brings an answer into view
when the kernel says one came (`{"type": "answer"}`)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import anywidget
import traitlets


class MemoryWidget(anywidget.AnyWidget):
    """`memory`: what the browser stores (`lbrec.app.memory.remembered`); `listed`: the marks as the list shows them
    ({movieId, title, mark}); `on_message` receives each message from the page, as it came."""

    _esm = resources.files("lbrec.app").joinpath("memory.js").read_text(encoding="utf-8")
    memory = traitlets.Dict().tag(sync=True)
    listed = traitlets.List().tag(sync=True)
    unfolded = traitlets.Bool(False).tag(sync=True)  # the list shown open (kept across redraws)

    def __init__(self, on_message: Callable[[object], None]):
        super().__init__()
        self.on_msg(lambda _widget, content, _buffers: on_message(content))
