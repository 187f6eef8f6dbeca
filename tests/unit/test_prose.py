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


def test_a_report_is_quoted_by_its_keys_and_indices() -> None:
    report = {"models": {"sasrec": {"ndcg@10": 0.0573, "ci95": [0.044, 0.072]}}, "best": "blend"}
    assert (
        prose.fill(
            "{{r.models.sasrec.ndcg@10:.3f}} ({{r.models.sasrec.ci95.0:.3f}}-{{r.models.sasrec.ci95.1:.3f}}"
            "), {{r.best}}.",
            {"r": report},
        )
        == "0.057 (0.044-0.072), blend."
    )


@pytest.mark.parametrize("name", ["epochs", "r.models.ease", "r.models.sasrec.ci95.2", "r.best.x"])
def test_a_figure_missing_from_the_run_is_named(name: str) -> None:
    report = {"models": {"sasrec": {"ci95": [0.044, 0.072]}}, "best": "blend"}
    with pytest.raises(KeyError, match=f"not quoted by the run: {name}"):
        prose.fill(f"the figure {{{{{name}:.2f}}}}", {"r": report, "users": 1})


def test_quote_displays_plain_values_under_its_own_mime_type(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[dict, bool]] = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append((data, raw)))
    prose.quote(
        users=np.int64(610),
        ndcg=np.float32(0.5),
        device="cpu",
        ci=np.array([0.25, 0.5]),
        report={"best": ("blend", np.float64(1.0)), "notes": None},
    )
    [(data, raw)] = shown
    assert raw and data == {
        prose.MIME: {
            "users": 610,
            "ndcg": 0.5,
            "device": "cpu",
            "ci": [0.25, 0.5],
            "report": {"best": ["blend", 1.0], "notes": None},
        }
    }
    assert [type(v) for v in data[prose.MIME].values()] == [int, float, str, list, dict]
    with pytest.raises(TypeError, match="cannot quote object"):
        prose.quote(model=object())
