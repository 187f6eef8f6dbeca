"""Choosing how to serve a history without order (`Reading.unordered`, the engine's `UnorderedReading`) on real
Letterboxd members: chosen on one half of them, reported on the other, with MovieLens's time-ordered test split as a
guard. `python -m benchmarks.bench_members --tune --write-choice` writes the choice into the model folder's onnx.json.

The grid: SASRec over the last 50 films or over every film in 50-film windows; SASRec's share of the blend; the
item-to-item model with the served folder's number of weights per film or more (refitted on the same MovieLens
training data as the served one, not on members); and the weight of the disliked films against their look-alikes.
SASRec's reading (the latest 50 films, or every film in windows) is the engine's own (`Recommender.sasrec`); each
member's parts are computed once and every grid point is a weighted sum of their standardised scores, as the blend
is (`item_scores` gives the same numbers one point at a time; the point the folder serves is the engine's
`standing` with `Reading(unordered=True)`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
from tqdm.auto import tqdm

from benchmarks.members.data import PER_MEMBER, MemberData, hidden_ranks, member_metrics
from benchmarks.members.models import Case, Setting, prepare, summarise
from lbrec.artifacts import read_json, write_json
from lbrec.data.dataset import Dataset
from lbrec.errors import LbrecError
from lbrec.evaluation.blend import fit_item_item
from lbrec.evaluation.protocol import evaluate_scorer
from lbrec.evaluation.stats import paired_values
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import ItemItem, blend, standardise
from lbrec.serving.members_figure import RECORD
from lbrec.serving.reading import UnorderedReading

WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 11))
KEEP = (200, 1000)  # besides the served folder's
AGAINST = (0.0, 0.1, 0.25, 0.5, 1.0)
CHOICE = "windows and blend weight"  # what `--write-choice` writes: the engine serves windows and a weight only


@dataclass(frozen=True)
class GridPoint:
    """A grid point: how to score a history that has no order (the defaults: the folder's blend, the dated reading of a
    history longer than max_len)."""

    windows: bool = False
    weight: float | None = None  # SASRec's share of the blend; None: the model folder's
    against: float = 0.0  # weight of the disliked films' item-to-item score, subtracted
    item_item: ItemItem | None = None  # None: the model folder's

    def describe(self) -> str:
        parts = ["all films in 50-film windows" if self.windows else "the last 50 films"]
        if self.weight is not None:
            parts.append(f"SASRec x {self.weight:g}")
        if self.against:
            parts.append(f"dislikes against x {self.against:g}")
        return ", ".join(parts)


def item_scores(
    engine: Recommender, items: Sequence[int], against: Sequence[int] = (), options: GridPoint = GridPoint()
) -> np.ndarray:
    """Served scores [n_items + 1] of a grid point for the history `items` and the disliked films `against` (item
    indices): SASRec read by the engine, blended with the point's weight and item-to-item model."""
    if not items:
        return engine.standing(()).scores
    raw = engine.sasrec([items], [options.windows])[1][0]
    item_item = options.item_item or engine.item_item
    weight = engine.weight if options.weight is None else options.weight
    served = raw.astype(np.float32) if item_item is None else blend(raw[None], item_item.score([items]), weight)[0]
    if options.against and len(against) and item_item is not None:
        served = served - options.against * standardise(item_item.score([against]))[0]
    return served


def halves(members: Sequence[str], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(choose on, report on): the members split in two at random with a fixed seed, each half sorted."""
    order = np.random.default_rng(seed).permutation(np.asarray(members))
    return np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])


def item_item_models(setting: Setting) -> dict[int, ItemItem | None]:
    """{weights kept per film: model}; None is the served folder's own, the others refitted like it."""
    blend = setting.engine.meta.get("blend") or {}
    if setting.engine.item_item is None:
        return {}
    models: dict[int, ItemItem | None] = {int(blend.get("keep", 0)): None}
    for keep in KEEP:
        if keep not in models:
            models[keep] = fit_item_item(
                setting.dataset, "test", blend.get("source", "ease"), keep, blend.get("ease_lambda")
            )
    return models


def point_name(windows: bool, weight: float, keep: int, against: float) -> str:
    return f"windows={int(windows)} w={weight:g} k={keep} against={against:g}"


def options_of(name: str, models: dict[int, ItemItem | None]) -> GridPoint:
    """The `GridPoint` options a grid point's name stands for."""
    fields = dict(part.split("=") for part in name.split())
    return GridPoint(
        windows=fields["windows"] == "1",
        weight=float(fields["w"]),
        against=float(fields["against"]),
        item_item=models[int(fields["k"])],
    )


def grid_metrics(
    cases: Sequence[Case],
    setting: Setting,
    models: dict[int, ItemItem | None],
    weights: Sequence[float] = WEIGHTS,
    against: Sequence[float] = AGAINST,
) -> dict[str, dict]:
    """{grid point: {metric: [members]}} for every point of the grid."""
    engine, out = setting.engine, {}
    for case in tqdm(cases, desc="grid", leave=False):
        items, disliked = engine.item_indices(case.given.loved), engine.item_indices(case.given.disliked)
        allowed = setting.candidates.copy()
        allowed[case.seen] = False
        targets = np.concatenate([case.split.loved, case.split.disliked])
        n = len(case.split.loved)
        for name, scores in _points(engine, items, disliked, models, weights, against):
            ranks = hidden_ranks(scores, allowed, targets)
            for metric, value in member_metrics(ranks[:n], ranks[n:]).items():
                out.setdefault(name, {}).setdefault(metric, []).append(value)
    return {name: {m: np.array(v) for m, v in metrics.items()} for name, metrics in out.items()}


def _points(
    engine: Recommender,
    items: list[int],
    disliked: list[int],
    models: dict[int, ItemItem | None],
    weights: Sequence[float],
    against: Sequence[float],
) -> Iterator[tuple[str, np.ndarray]]:
    """(name, served scores) of every grid point for one member."""
    if not items:  # nothing matched: the engine's popularity, whatever the point
        empty = item_scores(engine, items)
        for windows, keep, w, a in itertools.product((False, True), models, weights, against):
            yield point_name(windows, w, keep, a), empty
        return
    raws = dict(zip((False, True), engine.sasrec([items, items], [False, True])[1], strict=True))
    for keep, model in models.items():
        model = model or engine.item_item
        assert model is not None
        part = standardise(model.score([items]))[0]
        bad = standardise(model.score([disliked]))[0] if disliked else np.zeros_like(part)
        for windows, raw in raws.items():
            sasrec = standardise(raw[None])[0]
            for w in weights:
                mixed = w * sasrec + (1.0 - w) * part
                for a in against:
                    yield point_name(windows, w, keep, a), mixed - a * bad


def best(grid: dict[str, dict], names: Sequence[str] | None = None) -> str:
    """The point (among `names`) with the best mean NDCG@10."""
    names = list(grid) if names is None else names
    return max(names, key=lambda name: float(grid[name]["ndcg@10"].mean()))


def choices(grid: dict[str, dict], served: str) -> dict[str, str]:
    """The best point overall and the best change of one kind at a time from the served point."""
    fields = dict(part.split("=") for part in served.split())

    def varying(*keys: str) -> list[str]:
        return [n for n in grid if all(v == fields[k] for k, v in (p.split("=") for p in n.split()) if k not in keys)]

    return {
        "served": served,
        "windows": best(grid, varying("windows")),
        "blend weight": best(grid, varying("w")),
        "weights per film": best(grid, varying("k")),
        "dislikes against": best(grid, varying("against")),
        "windows and blend weight": best(grid, varying("windows", "w")),
        "weight and weights per film": best(grid, varying("w", "k")),
        "best of the grid": best(grid),
    }


def against_curve(grid: dict[str, dict], point: str) -> dict[str, dict]:
    """{dislike weight: {metric: mean, paired test against no dislikes}} with the rest of `point` fixed: what counting
    dislikes against their look-alikes does to the bad picks and to NDCG@10."""
    base = point.rsplit(" against=", 1)[0]
    none = grid[f"{base} against=0"]
    out = {}
    for weight in AGAINST:
        values = grid[f"{base} against={weight:g}"]
        out[f"{weight:g}"] = {}
        for metric in ("ndcg@10", "bad@10"):
            both = ~(np.isnan(values[metric]) | np.isnan(none[metric]))
            out[f"{weight:g}"][metric] = {
                "mean": float(values[metric][both].mean()),
                "vs_none": paired_values(values[metric][both], none[metric][both], metric),
            }
    return out


def movielens_guard(setting: Setting, chosen: dict[str, str], models: dict[int, ItemItem | None]) -> dict:
    """Each chosen point on MovieLens's time-ordered test split (SASRec reads the latest films there; no dislikes)."""
    engine = setting.engine

    def scorer(option: GridPoint) -> Callable[[Sequence[np.ndarray]], np.ndarray]:
        return lambda histories: np.stack([item_scores(engine, list(h), (), option) for h in histories])

    evaluations = {
        name: evaluate_scorer(scorer(replace(options_of(name, models), against=0.0)), setting.dataset, "test")
        for name in set(chosen.values())
    }
    return summarise(
        {label: {m: evaluations[name].per_user(m) for m in ("ndcg@10", "hr@10")} for label, name in chosen.items()}
    )


def tune(setting: Setting, tune_on: Sequence[Case], report_on: Sequence[Case]) -> dict:
    """Choose on `tune_on`, report every choice on `report_on` (paired against the served point) and on
    MovieLens's test split."""
    models = item_item_models(setting)
    if not models:
        raise LbrecError(f"{setting.engine.model_dir} serves SASRec alone: there is no blend to tune")
    blend = setting.engine.meta.get("blend") or {}
    served = point_name(False, setting.engine.weight, int(blend.get("keep", 0)), 0.0)
    chosen = choices(grid_metrics(tune_on, setting, models), served)
    reported = grid_metrics(report_on, setting, models)
    per_member = {label: {m: reported[name][m] for m in PER_MEMBER} for label, name in chosen.items()}
    guard = movielens_guard(setting, chosen, models)
    curves = {label: against_curve(reported, chosen[label]) for label in ("served", "best of the grid")}
    return {
        "chosen": chosen,
        "tuned_on": len(tune_on),
        "reported_on": len(report_on),
        **summarise(per_member),
        "movielens_test": guard,
        "dislikes_against": curves,
    }


def unordered_choice(report: dict) -> UnorderedReading:
    """The engine's unordered reading from a tuning report: its `CHOICE` point (windows and SASRec's share, the
    folder's item-to-item model, no dislikes)."""
    fields = dict(part.split("=") for part in report["chosen"][CHOICE].split())
    return UnorderedReading(windows=fields["windows"] == "1", weight=float(fields["w"]))


def write_choice(engine: Recommender, unordered: UnorderedReading) -> None:
    """The folder's onnx.json with its "unordered" entry replaced (atomically; nothing else changes, and onnx.json is
    not among the files whose sha256 it lists), and the folder's members' record removed: its figure was measured
    with the reading replaced."""
    path = engine.model_dir / "onnx.json"
    write_json(path, {**read_json(path), "unordered": unordered.to_json()})
    (engine.model_dir / RECORD).unlink(missing_ok=True)


def measure_tuning(
    engine: Recommender, dataset: Dataset, data: MemberData, members: Sequence[str], seed: int = 0
) -> dict:
    """`members` split in halves (`halves`), every film hidden as `measure` hides it; `tune` on them."""
    setting = Setting.of(engine, dataset, data)
    tune_on, report_on = halves(members, seed)
    cases = {case.split.member: case for case in prepare(setting, members, seed)}
    return {"seed": seed, **tune(setting, [cases[m] for m in tune_on], [cases[m] for m in report_on])}
