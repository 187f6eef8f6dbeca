"""lbrec.prose: the figures a notebook quotes travel as plain JSON values and fill their placeholders exactly."""

from __future__ import annotations

import numpy as np
import pytest

from lbrec import prose


def test_fill_formats_each_placeholder_with_its_spec() -> None:
    figures = {"users": 610, "ndcg": 0.057312, "share": 0.368, "device": "cpu"}
    template = "{{users:,}} users, NDCG@10 {{ ndcg:.3f }} ({{share:.0%}}) on {{device}}; {not a placeholder}"
    assert prose.placeholders(template) == ["users", "ndcg", "share", "device"]
    assert prose.fill(template, figures) == "610 users, NDCG@10 0.057 (37%) on cpu; {not a placeholder}"
    assert prose.fill("{{users:,}}", {"users": 100836}) == "100,836"


def test_a_figure_missing_from_the_run_is_named() -> None:
    with pytest.raises(KeyError, match="epochs, ndcg"):
        prose.fill("{{epochs}} epochs, {{ndcg:.2f}}", {"users": 1})


def test_quote_displays_plain_values_under_its_own_mime_type(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[dict, bool]] = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append((data, raw)))
    prose.quote(users=np.int64(610), ndcg=np.float32(0.5), device="cpu")
    [(data, raw)] = shown
    assert raw and data == {prose.MIME: {"users": 610, "ndcg": 0.5, "device": "cpu"}}
    assert [type(v) for v in data[prose.MIME].values()] == [int, float, str]
