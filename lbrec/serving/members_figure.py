"""The served model's NDCG@10 on real Letterboxd members' exports, as the app's footer states it: the figure the
members' benchmark recorded for this very model folder, else the reference build's (and the footer says which).

`python -m benchmarks.bench_members` writes its record into the folder it measured, `members.json`: {"served":
{"ndcg@10": {"mean", "ci95"}, ...}, "members", "date", "command", "model": {"created", "sha256"}}, the last copied
from the folder's onnx.json (its "created" and model.onnx's sha256, which the engine verifies), so that a record of
another export is never taken for this one's. lbrec only reads it: a record missing, malformed or of another folder
is ignored, never an error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

RECORD = "members.json"
THIS_MODEL = "this model"


@dataclass(frozen=True)
class MembersFigure:
    """NDCG@10 of what is served on real members' exports, its 95% interval, how many members and when, and which
    model it was measured on (`THIS_MODEL`, or the reference build)."""

    ndcg: float
    ci95: tuple[float, float] | None
    members: int
    date: str
    measured_on: str


# `make model` on ml-latest-small, on the 1,000 dev members: docs/results.md, python -m benchmarks.bench_members
REFERENCE = MembersFigure(
    ndcg=0.0652, ci95=(0.0576, 0.0732), members=1000, date="2026-12-04", measured_on="lbrec's reference build"
)


def members_figure(model_dir: str | Path, meta: Mapping) -> MembersFigure:
    """The figure the folder's `members.json` records for the folder described by `meta` (its onnx.json), else
    `REFERENCE`."""
    try:
        record = json.loads((Path(model_dir) / RECORD).read_text(encoding="utf-8"))
        model, ndcg = record["model"], record["served"]["ndcg@10"]
        if not meta.get("sha256") or (model["created"], model["sha256"]) != (meta.get("created"), meta["sha256"]):
            return REFERENCE
        mean, ci95 = float(ndcg["mean"]), ndcg.get("ci95")
        low, high = (float(ci95[0]), float(ci95[1])) if ci95 else (mean, mean)
        if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in (mean, low, high)):
            return REFERENCE
        return MembersFigure(
            mean, (low, high) if ci95 else None, int(record["members"]), str(record["date"]), THIS_MODEL
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return REFERENCE
