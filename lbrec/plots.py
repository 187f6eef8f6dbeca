"""The pictures the notebooks and the app show: each function takes lbrec objects and returns a matplotlib Figure.

Kept in the package (not in notebook cells) so that every plot is exercised by the tests and the notebooks stay
thin. Figures are built without pyplot: nothing global to leak in a long-running app kernel, no backend to pick,
and a notebook shows a returned Figure exactly once.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lbrec.data.dataset import Dataset
from lbrec.data.movielens import Ratings

ORANGE, GREEN, BLUE, GREY = "#ff8000", "#00c030", "#40bcf4", "#8899aa"


class Chart(Figure):
    """A matplotlib Figure that Jupyter and Voilà display as a PNG, without pyplot's global state."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def _figure(width: float = 7.0, height: float = 3.2, columns: int = 1) -> tuple[Figure, list[Axes]]:
    fig = Chart(figsize=(width, height), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(1, columns)))
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
    return fig, axes


def rating_distribution(ratings: Ratings) -> Figure:
    """How often each star value is given: MovieLens users rate generously, hence per-user thresholds."""
    values, counts = np.unique(ratings.rating, return_counts=True)
    fig, (ax,) = _figure()
    ax.bar(values, counts / counts.sum() * 100, width=0.4, color=BLUE)
    ax.set(
        xlabel="rating (stars)",
        ylabel="% of ratings",
        xticks=values,
        title=f"{len(ratings):,} ratings in {ratings.name}",
    )
    return fig


def thresholds(dataset: Dataset) -> Figure:
    """Each user's own 'liked' threshold: the percentile of their ratings that makes a rating a positive."""
    percentile = dataset.meta["config"]["percentile"]
    fig, (ax,) = _figure()
    values = np.asarray(dataset.thresholds)
    ax.hist(values, bins=np.arange(0.125, 5.25, 0.25), color=ORANGE)  # bars centred on quarter stars
    ax.set(
        xlabel=f"per-user threshold ({percentile:g}th percentile of the user's ratings, stars)",
        ylabel="users",
        title=f"median threshold {np.median(values):.2f} stars over {len(values):,} users",
    )
    return fig


def sequence_lengths(dataset: Dataset, max_len: int = 50) -> Figure:
    """Positives per user (log scale): a few users have thousands, most a few dozen; the model sees `max_len`."""
    lengths = dataset.sequence_lengths()
    fig, (ax,) = _figure()
    ax.hist(lengths, bins=np.logspace(0, np.log10(lengths.max() + 1), 40), color=GREEN)
    ax.axvline(max_len, color=GREY, linestyle="--", label=f"model window: last {max_len}")
    ax.set(
        xscale="log",
        xlabel="positives per user",
        ylabel="users",
        title=f"median {np.median(lengths):.0f}, mean {lengths.mean():.0f}, max {lengths.max():,}",
    )
    ax.legend(frameon=False)
    return fig


def long_tail(dataset: Dataset) -> Figure:
    """Item popularity by rank: the long tail that a recommender should reach into, not only its head."""
    counts = np.sort(np.bincount(np.asarray(dataset.items), minlength=dataset.n_items + 1)[1:])[::-1]
    share = np.cumsum(counts) / counts.sum() * 100
    head = int(np.searchsorted(share, 50)) + 1
    fig, (ax,) = _figure()
    ax.plot(np.arange(1, len(counts) + 1), counts, color=ORANGE)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="movie rank by positives",
        ylabel="positives",
        title=f"the top {head:,} of {len(counts):,} movies ({head / len(counts):.1%}) hold half the positives",
    )
    return fig


def training_curves(history: Sequence[Mapping]) -> Figure:
    """Training loss and validation NDCG@10 per epoch, with the best epoch marked."""
    epochs = [h["epoch"] for h in history]
    fig, (left, right) = _figure(10, 3.2, columns=2)
    left.plot(epochs, [h["loss"] for h in history], color=BLUE)
    left.set(xlabel="epoch", ylabel="training loss", title="loss")
    ndcg = [h["val_ndcg@10"] for h in history]
    best = int(np.argmax(ndcg))
    right.plot(epochs, ndcg, color=ORANGE)
    right.scatter([epochs[best]], [ndcg[best]], color=GREEN, zorder=3, label=f"best: epoch {epochs[best]}")
    right.set(xlabel="epoch", ylabel="NDCG@10", title="validation NDCG@10")
    right.legend(frameon=False)
    return fig


def model_comparison(
    results: Mapping[str, Mapping], metrics: Sequence[str] = ("ndcg@10", "hr@10"), highlight: str = "sasrec"
) -> Figure:
    """Bars per model and metric with their bootstrap 95% intervals; `highlight` (the served model) in orange."""
    names = list(results)
    fig, axes = _figure(5 * len(metrics), 3.2, columns=len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        means = [results[n][metric] for n in names]
        lows = [results[n]["ci95"][metric][0] for n in names]
        highs = [results[n]["ci95"][metric][1] for n in names]
        errors = [np.subtract(means, lows), np.subtract(highs, means)]
        ax.bar(names, means, yerr=errors, capsize=4, color=[ORANGE if n == highlight else BLUE for n in names])
        ax.set(title=metric, ylabel=metric)
    return fig


def metric_by_bucket(table: Mapping[str, Mapping[str, float]], xlabel: str, ylabel: str = "NDCG@10") -> Figure:
    """Grouped bars: one group per bucket (e.g. history length), one bar per model."""
    models = list(table)
    buckets = list(next(iter(table.values())))
    x = np.arange(len(buckets))
    width = 0.8 / len(models)
    fig, (ax,) = _figure(8, 3.2)
    for i, model in enumerate(models):
        ax.bar(x + i * width, [table[model][b] for b in buckets], width, label=model)
    ax.set(xticks=x + width * (len(models) - 1) / 2, xticklabels=buckets, xlabel=xlabel, ylabel=ylabel)
    ax.legend(frameon=False, ncols=len(models))
    return fig


def popularity_bias(per_user: Mapping[str, np.ndarray]) -> Figure:
    """Per model, the spread over users of the mean popularity percentile of their ten recommendations
    (100 = the most rated film, 50 = what picking films at random would give)."""
    names = list(per_user)
    fig, (ax,) = _figure()
    ax.boxplot([per_user[n] for n in names], orientation="horizontal", showfliers=False)
    ax.set_yticks(range(1, len(names) + 1), names)
    low = min(float(np.min(per_user[n])) for n in names)
    ax.set(
        xlim=(max(0.0, low - 2), 100),
        xlabel="mean popularity percentile of the 10 recommendations, per user",
        title="how mainstream the recommendations are (100 = the most rated film)",
    )
    return fig


def latency(results: Mapping[str, Mapping[str, float]]) -> Figure:
    """p50 latency per contender (log scale), with p99 as a whisker."""
    names = list(results)
    p50 = [results[n]["p50_ms"] for n in names]
    p99 = [results[n]["p99_ms"] for n in names]
    fig, (ax,) = _figure()
    ax.barh(names, p50, xerr=[np.zeros(len(names)), np.subtract(p99, p50)], capsize=4, color=BLUE)
    ax.set(xscale="log", xlabel="milliseconds per request (p50, whisker to p99), one thread")
    ax.invert_yaxis()
    return fig


def taste(history: Mapping[str, float], recommended: Mapping[str, float], top: int = 8) -> Figure:
    """Grouped bars: the genre mix of the user's films beside that of their recommendations (the app's picture)."""
    genres = sorted(set(history) | set(recommended), key=lambda g: -(history.get(g, 0) + recommended.get(g, 0)))
    genres = genres[:top][::-1]
    fig = Chart(figsize=(5.4, 0.3 * len(genres) + 0.8), dpi=110)
    axes = fig.add_subplot()
    y = np.arange(len(genres))
    axes.barh(y + 0.2, [history.get(g, 0) * 100 for g in genres], 0.38, color=BLUE, label="your films")
    axes.barh(y - 0.2, [recommended.get(g, 0) * 100 for g in genres], 0.38, color=ORANGE, label="recommended")
    axes.set_yticks(y, genres)
    axes.set_xlabel("% of films with this genre")
    axes.legend(loc="lower right", frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(length=0)
    fig.tight_layout()
    return fig


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, at its own resolution."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
