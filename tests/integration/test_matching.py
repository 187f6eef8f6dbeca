"""Matching on the real ml-latest-small catalog: the labelled accuracy set, the match command, and an export
matched to MovieLens ids."""

from __future__ import annotations

from harness.files import labelled_queries
from lbrec.catalog.index import MatchIndex
from lbrec.data.dataset import Dataset
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.sources import match_history
from tests.helpers.files import export_zip


def test_matching_accuracy_on_ml_latest_small(ml_small: Dataset) -> None:
    catalog = MatchIndex(ml_small.catalog)
    rows, queries = zip(*labelled_queries(), strict=True)
    right, wrong = 0, []
    for row, match in zip(rows, catalog.match_many(queries), strict=True):
        if row["expected"] == "absent":
            right += match.status != "matched"
            if match.status == "matched":
                wrong.append((row["query"], match.movie_id))
        elif match.movie_id == int(row["expected"]):
            right += 1
        elif match.status == "matched":
            wrong.append((row["query"], match.movie_id))
    assert wrong == []
    assert right / len(rows) >= 0.98, f"{right}/{len(rows)}"


def test_export_to_movielens_ids(ml_small: Dataset) -> None:
    matched = match_history(read_export(export_zip()), MatchIndex(ml_small.catalog), "recent")
    assert matched.positives == [3996, 2571, 3503, 750, 4973, 6]
    assert {f.title for f, _ in matched.unmatched} == {'The "Quoted" Picture', "Parasite"}
    assert len(matched.watchlist) == 2
