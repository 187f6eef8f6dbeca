""" "Not for me" on real Letterboxd members: how far a click on a recommended film should push its
look-alikes down, chosen on half of the members, with the films they rated 2 stars or less standing in for clicks.

The protocol (`prepare_clicks`): for each member, 5 loved films hidden as `data.hide` hides them, and every film
rated 2 stars or less that the model knows, split at random (fixed seed) into **clicks** (given as "not for me";
not in the export) and **held out** (hidden; not in the export either); the rest goes through the export, the
matcher and the engine as in `models`. Only members with at least 2 such films. Every variant ranks the same
candidates from the same served scores (`Recommender.standing` of the given loved films):

- `today`: nothing known of the clicks: they are ordinary candidates;
- `excluded`: the clicked films are never ranked, nothing else changes;
- `<form> x <amount>`: excluded, and `served - amount * push(item_item, clicks, form)` (`push`: the clicked films'
  item-to-item scores, standardised over the films as the blend's parts are: `sum` of their rows, as
  `ItemItem.score` sums a history, the `max` of them, or `topN`: each row's N largest weights only).

Per member: NDCG@10 (and HR@10, Recall@50) of the hidden loved films, and bad@10: the share of the held-out low
films in the top 10 (`bad_all@10`, today only: the share of every low film, clicks included). `simulate` plays the
clicks out as a person would: the top 10 shown, a click on each held-out low film in it, the list refilled and
pushed again, until no held-out low film is shown; `reach` counts how many of the bad picks left are look-alikes
of a clicked film at all. `export_lows` asks the other question: an export's own low
ratings (as `models.prepare` gives them) used as "not for me", against ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from benchmarks.members.data import RECALL_AT, K, MemberData, hidden_ranks, member_metrics
from benchmarks.members.models import Case, Setting, prepare, summarise
from benchmarks.members.tuning import halves
from lbrec.data.dataset import Dataset
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import ItemItem, standardise
from lbrec.serving.reading import look_alikes

FORMS = ("sum", "max", "top5", "top10", "top20")
AMOUNTS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
METRICS = ("ndcg@10", "hr@10", "recall@50", "bad@10")
ALL_LOW = "bad_all@10"
BAD_50 = "bad@50"
MIN_LOW = 2  # low films the model knows, for a member to be measured
ALPHA = 0.05  # a paired bootstrap p below this, with a negative difference, is "lower"


@dataclass
class Clicked:
    """A member's case whose low films are split: `clicks` given as "not for me", `held_out` hidden (item indices)."""

    case: Case
    clicks: np.ndarray
    held_out: np.ndarray

    @property
    def loved(self) -> np.ndarray:
        return self.case.split.loved


def split_low(low: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(clicks, held out): the low films in random order, the first half (rounded down) clicked, both sorted."""
    order = rng.permutation(np.asarray(low, np.int64))
    return np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])


def prepare_clicks(setting: Setting, members: Sequence[str], seed: int = 0) -> list[Clicked]:
    """Each member's loved films hidden as today and every known low film hidden (none in the export), the low ones
    split into clicks and held out with a generator of its own (seed, position, 1); members with fewer than
    `MIN_LOW` known low films left out."""
    cases = prepare(setting, members, seed, n_disliked=np.iinfo(np.int64).max)
    out = []
    for position, case in enumerate(cases):
        low = np.setdiff1d(case.split.disliked, case.split.loved)
        if len(low) >= MIN_LOW:
            out.append(Clicked(case, *split_low(low, np.random.default_rng([seed, position, 1]))))
    return out


def push(item_item: ItemItem, films: Sequence[int] | np.ndarray, form: str = "sum") -> np.ndarray:
    """[n_items + 1] the look-alikes of `films` (item indices), standardised over the films (0 without any): `sum`,
    their rows summed; `topN`, the sum of each row's N largest weights only (both as serving computes them,
    `lbrec.serving.reading.look_alikes`); `max`, each film's largest weight from any of them."""
    if form == "sum" or form.startswith("top"):
        return look_alikes(item_item, films, None if form == "sum" else int(form[3:]))
    if form != "max":
        raise ValueError(f"unknown push form {form!r}: sum, max or topN")
    films = np.unique(np.asarray(films, np.int64))
    raw = np.zeros(item_item.n_items + 1, np.float32)
    for film in films[(films > 0) & (films <= item_item.n_items)]:
        targets, weights = item_item.row(int(film))
        np.maximum.at(raw, targets, weights)
    return standardise(raw[None])[0]


def point_name(form: str, amount: float) -> str:
    return f"{form} x {amount:g}"


def _metrics(loved_ranks: np.ndarray, low_ranks: np.ndarray, n_low: int | None = None) -> dict[str, float]:
    """`member_metrics` and bad@50 (the low films in the top 50: many more than reach the top 10, a steadier sign
    of how far they are pushed down); `bad_all@10` over `n_low` low films, those not in `low_ranks` never ranked."""
    figures = member_metrics(loved_ranks, low_ranks)
    out = {m: figures[m] for m in METRICS}
    out[BAD_50] = float((low_ranks < RECALL_AT).mean()) if len(low_ranks) else float("nan")
    if n_low:
        out[ALL_LOW] = float((low_ranks < K).sum() / n_low)
    return out


def member_points(
    engine: Recommender,
    clicked: Clicked,
    candidates: np.ndarray,
    forms: Sequence[str] = FORMS,
    amounts: Sequence[float] = AMOUNTS,
) -> dict[str, dict[str, float]]:
    """{variant: {metric: value}} for one member: today, excluded and every (form, amount)."""
    assert engine.item_item is not None
    served = engine.standing(clicked.case.given.loved).scores
    today = candidates.copy()
    today[clicked.case.seen] = False
    allowed = today.copy()
    allowed[clicked.clicks] = False
    loved, held = clicked.loved, clicked.held_out
    n, m = len(loved), len(held)
    n_low = m + len(clicked.clicks)
    ranks = hidden_ranks(served, today, np.concatenate([loved, held, clicked.clicks]))
    out = {"today": {**_metrics(ranks[:n], ranks[n : n + m]), ALL_LOW: _metrics(ranks[:n], ranks[n:])["bad@10"]}}
    targets = np.concatenate([loved, held])
    ranks = hidden_ranks(served, allowed, targets)
    out["excluded"] = _metrics(ranks[:n], ranks[n:], n_low)
    for form in forms:
        pushed = push(engine.item_item, clicked.clicks, form)
        for amount in amounts:
            ranks = hidden_ranks(served - amount * pushed, allowed, targets)
            out[point_name(form, amount)] = _metrics(ranks[:n], ranks[n:], n_low)
    return out


def grid(
    engine: Recommender,
    members: Sequence[Clicked],
    candidates: np.ndarray,
    forms: Sequence[str] = FORMS,
    amounts: Sequence[float] = AMOUNTS,
) -> dict[str, dict[str, np.ndarray]]:
    """{variant: {metric: [members]}}."""
    out: dict[str, dict[str, list[float]]] = {}
    for clicked in tqdm(members, desc="not for me", leave=False):
        for name, figures in member_points(engine, clicked, candidates, forms, amounts).items():
            for metric, value in figures.items():
                out.setdefault(name, {}).setdefault(metric, []).append(value)
    return {name: {m: np.array(v) for m, v in figures.items()} for name, figures in out.items()}


def choose(points: dict[str, dict[str, np.ndarray]]) -> str:
    """The push with the fewest held-out low films in the top 10 among those whose mean NDCG@10 is not below today's
    on the same members (the goal's two halves, the stricter reading of "not lower" on the choosing half); a tie
    goes to the higher NDCG@10. `excluded` when no push qualifies."""
    today = float(points["today"]["ndcg@10"].mean())
    names = [n for n in points if n not in ("today", "excluded") and float(points[n]["ndcg@10"].mean()) >= today]
    if not names:
        return "excluded"
    return min(names, key=lambda n: (float(np.nanmean(points[n]["bad@10"])), -float(points[n]["ndcg@10"].mean())))


def options(name: str) -> tuple[str, float]:
    """(form, amount) of a point's name ("excluded": no push)."""
    if name == "excluded":
        return "sum", 0.0
    form, amount = name.split(" x ")
    return form, float(amount)


def simulate(engine: Recommender, clicked: Clicked, candidates: np.ndarray, form: str, amount: float) -> dict:
    """A person at the screen: the top 10 shown, "not for me" on each held-out low film in it (the clicks of the
    protocol already made), the list refilled, pushed again, until no held-out low film is shown. Returns how many
    were shown on the first screen, how many more surfaced after the clicks, and NDCG@10 at the end."""
    assert engine.item_item is not None
    served = engine.standing(clicked.case.given.loved).scores
    allowed = candidates.copy()
    allowed[clicked.case.seen] = False
    allowed[clicked.clicks] = False
    given, left = list(clicked.clicks), clicked.held_out

    def scores() -> np.ndarray:
        return served - amount * push(engine.item_item, given, form) if amount else served

    current = scores()
    first = None
    shown = 0
    while len(left):
        bad = left[hidden_ranks(current, allowed, left) < K]
        first = len(bad) if first is None else first
        if not len(bad):
            break
        shown += len(bad)
        allowed[bad] = False
        given += list(bad)
        left = np.setdiff1d(left, bad)
        current = scores()
    first = first or 0
    ndcg = member_metrics(hidden_ranks(current, allowed, clicked.loved), np.zeros(0, np.int64))["ndcg@10"]
    return {
        "first screen": float(first),
        "later": float(shown - first),
        "any later": float(shown > first),
        "ndcg@10": ndcg,
    }


def simulation(engine: Recommender, members: Sequence[Clicked], candidates: np.ndarray, chosen: str) -> dict:
    """`simulate` with the clicked films excluded only and with the chosen push, paired on the same members."""
    runs = {
        name: [simulate(engine, c, candidates, *options(name)) for c in tqdm(members, desc=name, leave=False)]
        for name in dict.fromkeys(("excluded", chosen))
    }
    per_member = {name: {m: np.array([r[m] for r in rows]) for m in rows[0]} for name, rows in runs.items()}
    return summarise(per_member, reference="excluded")


def reach(
    engine: Recommender, members: Sequence[Clicked], candidates: np.ndarray, tops: Sequence[int] = (5, 10, 20)
) -> dict:
    """How many of the held-out low films in the top 10 once the clicks are excluded (the bad picks left) are
    look-alikes of a clicked film at all: among each clicked row's N largest weights, or anywhere in its row. Only
    those can a push over the item-to-item rows take away, whatever its amount."""
    assert engine.item_item is not None
    reached = {f"top{n}": 0 for n in tops} | {"row": 0}
    bad_picks = 0
    for clicked in members:
        allowed = candidates.copy()
        allowed[clicked.case.seen] = False
        allowed[clicked.clicks] = False
        served = engine.standing(clicked.case.given.loved).scores
        bad = clicked.held_out[hidden_ranks(served, allowed, clicked.held_out) < K]
        bad_picks += len(bad)
        if not len(bad):
            continue
        rows = [engine.item_item.row(int(film)) for film in clicked.clicks]
        for n in (*tops, None):
            near = np.concatenate([t if n is None else t[np.argsort(-w, kind="stable")[:n]] for t, w in rows])
            reached["row" if n is None else f"top{n}"] += int(np.isin(bad, near).sum())
    return {"bad_picks": bad_picks, "look_alikes": reached}


def export_lows(engine: Recommender, cases: Sequence[Case], candidates: np.ndarray, form: str, amount: float) -> dict:
    """Today's protocol (`models.prepare`: up to 3 disliked films hidden, the rest of the low ratings in the
    export): the export's own low ratings ignored (`ignored`, what the engine does) or used as "not for me" with
    `form` and `amount` (`not for me`); bad@10 is the share of the hidden disliked films in the top 10."""
    assert engine.item_item is not None
    per_member: dict[str, dict[str, list[float]]] = {"ignored": {}, "not for me": {}}
    for case in tqdm(cases, desc="export's low ratings", leave=False):
        served = engine.standing(case.given.loved).scores
        allowed = candidates.copy()
        allowed[case.seen] = False
        targets = np.concatenate([case.split.loved, case.split.disliked])
        n = len(case.split.loved)
        lows = engine.item_indices(case.given.disliked)
        for name, scores in (("ignored", served), ("not for me", served - amount * push(engine.item_item, lows, form))):
            ranks = hidden_ranks(scores, allowed, targets)
            for metric, value in _metrics(ranks[:n], ranks[n:]).items():
                per_member[name].setdefault(metric, []).append(value)
    arrays = {name: {m: np.array(v) for m, v in figures.items()} for name, figures in per_member.items()}
    given = np.array([len(case.given.disliked) for case in cases])
    return {
        "members": len(cases),
        "given_low_mean": float(given.mean()) if len(given) else 0.0,
        "members_with_given_low": int((given > 0).sum()),
        **summarise(arrays, reference="ignored"),
    }


def goal(report: dict, chosen: str) -> dict:
    """The goal on the reporting half: held-out low films in the top 10 at most half as often as today, and
    NDCG@10 not lower than today's (paired); `all_low_ratio`, the same over every low film, the clicked ones (never
    ranked once clicked) included, the goal's looser reading."""
    models, paired = report["models"], report["paired_vs_today"]
    bad, today = models[chosen]["bad@10"]["mean"], models["today"]["bad@10"]["mean"]
    every, every_today = models[chosen][ALL_LOW]["mean"], models["today"][ALL_LOW]["mean"]
    ndcg = paired[chosen]["ndcg@10"]
    halved, kept = bad <= 0.5 * today, ndcg["mean_diff"] >= 0 or ndcg["p_bootstrap"] >= ALPHA
    return {
        "bad_ratio": bad / today if today else None,
        "bad_halved": bool(halved),
        "ndcg_not_lower": bool(kept),
        "met": bool(halved and kept),
        "all_low_ratio": every / every_today if every_today else None,
    }


def measure_not_for_me(
    engine: Recommender,
    dataset: Dataset,
    data: MemberData,
    members: Sequence[str],
    seed: int = 0,
    forms: Sequence[str] = FORMS,
    amounts: Sequence[float] = AMOUNTS,
) -> dict:
    """The push chosen on half A of `members` (`halves`), every variant reported on half B, paired against today
    and against exclusion alone; the click simulation and the export's own low ratings on half B."""
    setting = Setting.of(engine, dataset, data)
    choose_on, report_on = halves(members, seed)
    clicked = prepare_clicks(setting, members, seed)
    by_member = {c.case.split.member: c for c in clicked}
    half_a = [by_member[m] for m in choose_on if m in by_member]
    half_b = [by_member[m] for m in report_on if m in by_member]
    candidates = setting.candidates
    tuned = grid(engine, half_a, candidates, forms, amounts)
    chosen = choose(tuned)
    reported = grid(engine, half_b, candidates, forms, amounts)
    vs_today = summarise(reported, reference="today")
    vs_excluded = summarise({n: reported[n] for n in reported if n != "today"}, reference="excluded")
    form, amount = options(chosen)
    reporting = set(report_on)  # today's protocol over all `members`, as `bench_members` hides their films
    today_cases = [case for case in prepare(setting, members, seed) if case.split.member in reporting]
    half_a_table = {name: {m: float(np.nanmean(v)) for m, v in figures.items()} for name, figures in tuned.items()}
    report = {
        "seed": seed,
        "members": len(members),
        "measured": len(clicked),
        "chosen_on": len(half_a),
        "reported_on": len(half_b),
        "chosen": chosen,
        "form": form,
        "amount": amount,
        "candidates": int(candidates.sum()),
        "clicks_mean": float(np.mean([len(c.clicks) for c in half_b])),
        "held_out_mean": float(np.mean([len(c.held_out) for c in half_b])),
        "half_a": half_a_table,
        **vs_today,
        "paired_vs_excluded": vs_excluded["paired_vs_excluded"],
    }
    report["goal"] = goal(report, chosen)
    report["simulation"] = simulation(engine, half_b, candidates, chosen)
    report["reach"] = reach(engine, half_b, candidates)
    report["export_lows"] = export_lows(engine, today_cases, candidates, form, amount)
    return report
