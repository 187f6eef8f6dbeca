"""Would I like it? One film's rank and percentile among the films a user has not seen, a verdict in words, and
the films of their history that raise it most. How far a "top 5%" verdict can be trusted is measured on the test
split (`benchmarks/bench_questions.py`): the percentile the model gives each user's held-out film."""

from __future__ import annotations

from lbrec.serving.engine import Recommender
from lbrec.serving.reading import Reading
from lbrec.serving.results import Prediction
from lbrec.serving.standing import share_above, standing_words

VERDICTS = ((1.0, "an excellent match"), (5.0, "a strong match"), (20.0, "a good bet"), (50.0, "worth a look"))


def verdict(rank: int, of: int, watched: bool = False, rating: float | None = None, refused: bool = False) -> str:
    """The verdict in words: "top 2% for you: a strong match" ... "bottom 31% for you: probably not for you", its
    share said as every card says a film's standing (`standing_words`)."""
    if refused:
        return "you marked it “not for me”"
    if watched:
        return "already watched" + (f": you rated it {rating:g}★" if rating is not None else "")
    percentile = round(100.0 * (1.0 - (rank - 1) / max(of, 1)), 2)  # as every answer gives `Standing.percentile`
    words = next((words for limit, words in VERDICTS if share_above(percentile) <= limit), "probably not for you")
    return f"{standing_words(percentile)} for you: {words}"


def predict_films(
    engine: Recommender,
    history: list[int],
    queries: list[tuple[str, int]],
    watched: set[int] = frozenset(),
    ratings: dict[int, float] | None = None,
    reading: Reading = Reading(),
) -> list[Prediction]:
    """A prediction for each (query, movieId) of a film the model knows; `ratings`: the user's own, by movieId.
    A film the user refused (`reading.not_for_me`) is placed by its score, like a watched one."""
    seen = set(history) | set(watched)
    standing = engine.standing(history, exclude=seen, reading=reading)
    items = [engine.item_of(movie_id) for _, movie_id in queries]
    known = [item for item in items if item is not None]
    if len(known) < len(items):
        raise ValueError("predict_films takes films the model knows only")
    out = []
    for (query, movie_id), item, films in zip(queries, known, engine.because(standing, known), strict=True):
        rank = standing.rank(item)
        is_watched = movie_id in seen
        out.append(
            Prediction(
                **engine.film(item).shared(),
                query=query,
                rank=rank,
                of=standing.of,
                percentile=round(standing.percentile(item), 2),
                verdict=verdict(
                    rank, standing.of, is_watched, (ratings or {}).get(movie_id), movie_id in reading.not_for_me
                ),
                watched=is_watched,
                because=films,
            )
        )
    return out
