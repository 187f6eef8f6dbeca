"""lbrec.plots: every figure the notebooks show renders to a PNG from real objects."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from lbrec import plots
from lbrec.data.dataset import Dataset
from lbrec.data.movielens import Ratings

PNG = b"\x89PNG\r\n\x1a\n"


def rendered(fig: Figure) -> bytes:
    png = fig._repr_png_()
    assert png.startswith(PNG) and len(png) > 5_000  # a real picture, not an empty canvas
    return png


def test_data_plots(tiny_dataset: Dataset) -> None:
    ratings = Ratings(
        "tiny",
        user=tiny_dataset.user_ids[:3],
        movie=tiny_dataset.movie_ids[1:4],
        rating=tiny_dataset.ratings[:3],
        timestamp=tiny_dataset.timestamps[:3],
    )
    for fig in (
        plots.rating_distribution(ratings),
        plots.thresholds(tiny_dataset),
        plots.sequence_lengths(tiny_dataset),
        plots.long_tail(tiny_dataset),
    ):
        rendered(fig)
    title = plots.long_tail(tiny_dataset).axes[0].get_title()
    assert title.startswith("the top ") and f"of {tiny_dataset.n_items:,} movies" in title


def test_model_plots() -> None:
    history = [{"epoch": e, "loss": 5.0 - e, "val_ndcg@10": 0.01 * e if e < 3 else 0.01} for e in range(1, 6)]
    fig = plots.training_curves(history)
    rendered(fig)
    assert "best: epoch 2" in [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    results = {
        name: {
            "ndcg@10": v,
            "hr@10": 2 * v,
            "ci95": {"ndcg@10": [v - 0.01, v + 0.01], "hr@10": [2 * v - 0.02, 2 * v + 0.02]},
        }
        for name, v in [("popular", 0.02), ("ease", 0.05), ("sasrec", 0.06)]
    }
    rendered(plots.model_comparison(results))
    rendered(
        plots.metric_by_bucket(
            {"sasrec": {"<20": 0.05, "20-50": 0.06}, "ease": {"<20": 0.04, "20-50": 0.05}}, xlabel="history length"
        )
    )
    rendered(plots.popularity_bias({"popular": np.full(50, 99.0), "sasrec": np.linspace(40, 95, 50)}))
    rendered(plots.latency({"engine": {"p50_ms": 0.8, "p99_ms": 1.2}, "eager": {"p50_ms": 1.5, "p99_ms": 3.0}}))


def test_a_missing_metric_is_an_error() -> None:
    with pytest.raises(KeyError):
        plots.model_comparison({"popular": {"ndcg@10": 0.1}})
