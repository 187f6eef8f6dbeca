"""The recommendation engine: an exported model folder served with onnxruntime alone (no torch).

`Recommender(models/<name>)` verifies the folder (sha256 of the ONNX file, shapes, vocabulary, catalog) and
answers `recommend(history)` for a user's films in time order: everything they have watched is excluded, filters
on genre, year and popularity apply, and each film comes with the history films that most drive it. The
explanation is the model's own: a film's "because" is the set of history films whose removal lowers its score
the most (occlusion, one extra batched inference), not a guess from shared genres.

A history without a real order (`Reading.unordered`: an export imported in bulk) is read as the folder's
`UnorderedReading` says (onnx.json's "unordered", else `UNORDERED_READING`): SASRec over every film in near-equal
windows of at most `max_len`, its scores averaged, and the blend with SASRec's share chosen for such histories. Its
explanations are occlusion over the windows: a film taken out of its window, that window rescored, the average's
drop. A short dated history (at most `max_len` films: a feed, typed titles) is read as the folder's `ShortReading`
says (onnx.json's "short", else `SHORT_READING`); its explanations are the blend's, what the history's films add.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from lbrec.artifacts import load_npy, read_json, sha256_file
from lbrec.catalog.table import Catalog
from lbrec.data.sequences import left_pad
from lbrec.errors import ArtifactError
from lbrec.serving.filters import Filters, allowed
from lbrec.serving.itemitem import FILES, ItemItem, blend, moments, scale, standardise
from lbrec.serving.items import FIX, load_items
from lbrec.serving.reading import Reading, ShortReading, UnorderedReading, popularity_prior, push_down
from lbrec.serving.results import Film, FilmRef, Recommendation
from lbrec.serving.standing import Standing

KEPT_OCCLUSIONS = 32 * 2**20  # bytes: the occluded scores of one history kept for the next answer (a 500-film
# export on ml-latest-small: 13 MB; a bigger catalog's are recomputed)


class Recommender:
    """Load once, answer many: thread-safe inference over one onnxruntime session."""

    def __init__(self, model_dir: str | os.PathLike[str], threads: int = 1):
        import onnxruntime as ort

        self.model_dir = Path(model_dir)
        meta_path, onnx_path = self.model_dir / "onnx.json", self.model_dir / "model.onnx"
        if not onnx_path.is_file():
            raise ArtifactError(f"{onnx_path} not found; {FIX}")
        try:
            self.meta: dict = read_json(meta_path)
            if not isinstance(self.meta, dict):
                raise ArtifactError(f"{meta_path} is not a JSON object")
        except ArtifactError as exc:
            raise ArtifactError(f"{exc}; {FIX}") from None
        self._verify(onnx_path, self.meta.get("sha256"))
        for name, digest in (self.meta.get("files") or {}).items():  # folders exported before lbrec 0.1 lack it
            self._verify(self.model_dir / name, digest)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for unreadable graphs
            raise ArtifactError(f"onnxruntime cannot load {onnx_path} ({exc}); {FIX}") from None
        try:
            self.max_len = int(self.meta["max_len"])
            self.n_items = int(self.meta["n_items"])
            self.input, self.output = str(self.meta["input"]), str(self.meta["output"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{meta_path} lacks or garbles {exc}; {FIX}") from None
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if (
            [i.name for i in inputs] != [self.input]
            or inputs[0].shape[1] != self.max_len
            or [o.name for o in outputs] != [self.output]
            or outputs[0].shape[1] != self.n_items + 1
        ):
            raise ArtifactError(f"{onnx_path} does not have the shapes {meta_path} describes; {FIX}")
        try:
            movie_ids = load_npy(self.model_dir / "movie_ids.npy")
        except ArtifactError as exc:
            raise ArtifactError(f"{exc}; {FIX}") from None
        if len(movie_ids) != self.n_items + 1:
            raise ArtifactError(
                f"{self.model_dir / 'movie_ids.npy'} has {len(movie_ids) - 1} movies but the model "
                f"scores {self.n_items}; {FIX}"
            )
        catalog_path = self.model_dir / "catalog.parquet"
        try:
            self.catalog = Catalog.read(catalog_path)
        except ArtifactError as exc:
            raise ArtifactError(f"{exc}; {FIX}") from None
        self._items = load_items(movie_ids, self.catalog, catalog_path)
        self.tmdb_ids = frozenset(t for t in self._items.tmdb if t is not None)  # the model's films, as TMDb knows them
        self.item_item, self.weight = self._load_blend(meta_path)
        self._kept: tuple[bytes, np.ndarray] | None = None  # the last history's occluded scores (`_occlusions`)
        self._kept_lock = threading.Lock()
        try:
            self.unordered_reading = UnorderedReading.from_json(self.meta.get("unordered"))
        except (TypeError, ValueError) as exc:
            raise ArtifactError(
                f"{meta_path} describes an unordered reading lbrec cannot read ({exc}); {FIX}"
            ) from None
        try:
            self.short_reading = ShortReading.from_json(self.meta.get("short"))
        except (TypeError, ValueError) as exc:
            raise ArtifactError(f"{meta_path} describes a short reading lbrec cannot read ({exc}); {FIX}") from None
        self._prior = popularity_prior(self._items.popularity)

    def _load_blend(self, meta_path: Path) -> tuple[ItemItem | None, float]:
        """The item-to-item part and SASRec's share of the blend, when onnx.json names one (memory-mapped)."""
        blend = self.meta.get("blend")
        if not blend or blend.get("weight") == 1.0:
            return None, 1.0
        try:
            weight = float(blend["weight"])
            missing = set(FILES.values()) - set(self.meta.get("files") or {})
            if missing or not 0.0 <= weight < 1.0:
                raise ValueError(f"its blend lacks {', '.join(sorted(missing))}" if missing else "weight")
            return ItemItem.load(self.model_dir, self.n_items), weight
        except ArtifactError as exc:
            raise ArtifactError(f"{exc}; {FIX}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{meta_path} describes a blend lbrec cannot read ({exc}); {FIX}") from None

    @property
    def model_name(self) -> str:
        """What is served, in words: "SASRec", or "SASRec + EASE" for a blend."""
        if self.item_item is None:
            return "SASRec"
        return "SASRec + " + {"ease": "EASE", "itemknn": "item-kNN"}.get(
            self.meta["blend"].get("source"), "item-to-item"
        )

    def _verify(self, path: Path, digest: object) -> None:
        """The file onnx.json describes, byte for byte: a damaged file must fail here, not give wrong answers."""
        if not path.is_file():
            raise ArtifactError(f"{path} not found; {FIX}")
        if sha256_file(path) != digest:
            raise ArtifactError(
                f"{path} does not match the sha256 in {self.model_dir / 'onnx.json'} (truncated, "
                f"corrupt or replaced); {FIX}"
            )

    # ------------------------------------------------------------------------------------------- encoding

    @property
    def popularity(self) -> np.ndarray:
        """[n_items + 1] how many MovieLens ratings each film has (0 for padding)."""
        return self._items.popularity

    @property
    def genres(self) -> list[str]:
        return list(self._items.genres)

    @property
    def year_range(self) -> tuple[int, int]:
        """The first and last release years of the films the model scores."""
        years = self._items.years[1:]
        years = years[~np.isnan(years)]
        return (int(years.min()), int(years.max())) if len(years) else (1900, 2030)

    def item_indices(self, movie_ids: Iterable[int]) -> list[int]:
        """The item indices of the movies the model knows, in order, later repeats winning."""
        index_of = self._items.index_of
        items = [index_of[m] for m in movie_ids if m in index_of]
        seen: set[int] = set()
        kept = [i for i in reversed(items) if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
        return kept[::-1]

    def encode(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """Item-index histories -> [batch, max_len] int64, left-padded with 0, the latest film last."""
        return left_pad(histories, self.max_len)

    def scores(self, batch: np.ndarray) -> np.ndarray:
        """Raw SASRec scores [batch, n_items + 1] for encoded histories."""
        return self.session.run([self.output], {self.input: batch})[0]

    def windows(self, items: Sequence[int], in_windows: bool = False) -> np.ndarray:
        """What SASRec reads of one item-index history, encoded [windows, max_len]: the latest max_len films (one
        row), or `in_windows` every film, in near-equal windows of at most max_len."""
        if not in_windows or len(items) <= self.max_len:
            return self.encode([items])
        n_windows = -(-len(items) // self.max_len)
        return self.encode([list(w) for w in np.array_split(np.asarray(items, np.int64), n_windows)])

    def sasrec(
        self, histories: Sequence[Sequence[int]], in_windows: Sequence[bool] | None = None
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """(each history's windows, SASRec's raw scores [batch, n_items + 1]) for item-index histories, one
        inference: a history read `in_windows` gets its windows' scores averaged."""
        in_windows = in_windows if in_windows is not None else [False] * len(histories)
        windows = [self.windows(items, w) for items, w in zip(histories, in_windows, strict=True)]
        every = self.scores(np.concatenate(windows) if windows else self.encode([]))
        if all(len(w) == 1 for w in windows):  # the histories' own rows, encoded once
            return windows, every
        bounds = np.cumsum([0, *(len(w) for w in windows)])
        return windows, np.stack(
            [every[a] if b - a == 1 else every[a:b].mean(0) for a, b in itertools.pairwise(bounds)]
        )

    def short(self, items: Sequence[int], unordered: bool) -> bool:
        """Whether a history of `items` is read as a short dated one (`ShortReading`; a blend's only)."""
        return not unordered and 0 < len(items) <= self.max_len and self.item_item is not None

    def weight_for(self, unordered: bool, items: Sequence[int] = ()) -> float:
        """SASRec's share of the blend for a history (`items`) with or without order."""
        if self.item_item is None:
            return self.weight
        if unordered:
            return self.unordered_reading.weight
        return self.short_reading.weight if self.short(items, unordered) else self.weight

    # ------------------------------------------------------------------------------------------ filtering

    def allowed(self, filters: Filters) -> np.ndarray:
        """[n_items + 1] bool: which films the filters let through (padding never)."""
        return allowed(self._items, filters)

    # -------------------------------------------------------------------------------------- recommending

    def recommend(
        self,
        history: Sequence[int],
        k: int = 10,
        exclude: Iterable[int] = (),
        filters: Filters = Filters(),
        explain: bool = True,
        reading: Reading = Reading(),
    ) -> list[Recommendation]:
        """Top-k films for one user: `history` and `exclude` are MovieLens movieIds (history in time order)."""
        return self.recommend_many([history], k, [exclude], filters, explain, [reading])[0]

    def recommend_many(
        self,
        histories: Sequence[Sequence[int]],
        k: int = 10,
        excludes: Sequence[Iterable[int]] | None = None,
        filters: Filters = Filters(),
        explain: bool = False,
        readings: Sequence[Reading] | None = None,
    ) -> list[list[Recommendation]]:
        """Batched `recommend`: one inference for all histories (plus one per user when explaining)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        encoded = [self.item_indices(h) for h in histories]
        excludes = excludes if excludes is not None else [()] * len(histories)
        readings = readings if readings is not None else [Reading()] * len(histories)
        allowed = self.allowed(filters)
        windows, raw, blended, served = self._served(encoded, readings)
        results = []
        for row, items in enumerate(encoded):
            refused = self.item_indices(readings[row].not_for_me)
            scores = push_down(served[row], self.item_item, refused)
            mask = allowed.copy()
            mask[items] = False
            mask[self.item_indices(excludes[row])] = False
            mask[refused] = False
            masked = np.where(mask, scores, -np.inf)
            n = min(k, int(mask.sum()))
            top = np.argpartition(masked, len(masked) - n)[len(masked) - n :] if n else np.zeros(0, dtype=np.int64)
            top = top[np.argsort(-masked[top], kind="stable")]
            weight = self.weight_for(readings[row].unordered, items)
            because = (
                self._explain(windows[row], items, raw[row], blended[row][top], top, weight)
                if explain and items
                else [[] for _ in top]
            )
            results.append(
                [
                    Recommendation(
                        **self.film(int(i)).shared(), score=round(float(scores[i]), 6), because=[self.ref(j) for j in b]
                    )
                    for i, b in zip(top, because, strict=True)
                ]
            )
        return results

    def _served(
        self, encoded: list[list[int]], readings: Sequence[Reading] | None = None
    ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
        """(SASRec's input windows per history, its raw scores, the blend, the served scores) for item-index histories,
        each read as its `Reading` says (with or without order; a short dated one as `short_reading` says); a history
        with no film the model knows gets the films' popularity."""
        readings = list(readings) if readings is not None else [Reading()] * len(encoded)
        unordered = [r.unordered for r in readings]
        windows, raw = self.sasrec(encoded, [u and self.unordered_reading.windows for u in unordered])
        if self.item_item is None:
            blended = served = raw
        else:
            item_item = self.item_item.score(encoded)
            weights = [self.weight_for(u, items) for u, items in zip(unordered, encoded, strict=True)]
            blended = np.empty(raw.shape, np.float32)
            for weight in set(weights):  # rows are standardised one by one: each kind blended with its own weight
                rows = [row for row, w in enumerate(weights) if w == weight]
                blended[rows] = blend(raw[rows], item_item[rows], weight)
            served = blended.copy()
            for row, (items, reading) in enumerate(zip(encoded, readings, strict=True)):
                if self.short(items, reading.unordered):
                    served[row] -= self._short_terms(reading)
        if empty := [row for row, items in enumerate(encoded) if not items]:
            served = served.copy() if served is raw else served
            served[empty] = np.log1p(self._items.popularity).astype(np.float32)
        return windows, raw, blended, served

    def _short_terms(self, reading: Reading) -> np.ndarray:
        """What a short dated history's served scores lose beside its blend: the canon held back and its dislikes'
        look-alikes pushed down (`ShortReading`)."""
        short, item_item = self.short_reading, self.item_item
        terms = short.popularity * self._prior
        disliked = self.item_indices(reading.disliked)
        if short.against and disliked and item_item is not None:
            terms = terms + short.against * standardise(item_item.score([disliked]))[0]
        return terms.astype(np.float32)

    def standing(self, history: Sequence[int], exclude: Iterable[int] = (), reading: Reading = Reading()) -> Standing:
        """Every film's served score for one user (`history`: movieIds in time order), and where each stands among
        the films they have not seen (neither in `history` nor in `exclude`) nor refused (`reading.not_for_me`)."""
        items = self.item_indices(history)
        refused = self.item_indices(reading.not_for_me)
        windows, raw, blended, served = self._served([items], [reading])
        unseen = np.ones(self.n_items + 1, dtype=bool)
        unseen[0] = False
        unseen[items] = False
        unseen[self.item_indices(exclude)] = False
        unseen[refused] = False
        return Standing(
            push_down(served[0], self.item_item, refused),
            unseen,
            items,
            windows[0] if reading.unordered else windows[0][0],
            raw[0],
            blended[0],
            reading.unordered,
        )

    def because(self, standing: Standing, items: Sequence[int]) -> list[list[FilmRef]]:
        """For each of `items` (item indices), the films of the user's history that raise its score most."""
        if not standing.items:
            return [[] for _ in items]
        top = np.asarray(items, dtype=np.int64)
        weight = self.weight_for(standing.unordered, standing.items)
        found = self._explain(standing.window, standing.items, standing.raw, standing.blended[top], top, weight)
        return [[self.ref(i) for i in films] for films in found]

    def knows(self, movie_id: int) -> bool:
        """Whether the model scores this movieId (MovieLens films rated too rarely are not in its vocabulary)."""
        return movie_id in self._items.index_of

    def item_of(self, movie_id: int) -> int | None:
        """The model's index of a movieId, None for a film it does not know."""
        return self._items.index_of.get(movie_id)

    def _explain(
        self,
        windows: np.ndarray,
        items: list[int],
        raw: np.ndarray,
        base: np.ndarray,
        top: np.ndarray,
        weight: float,
        n: int = 3,
    ) -> list[list[int]]:
        """For each recommended item, the history items whose removal lowers its served score most (positive drops):
        SASRec's window with one film taken out at a time (one batched inference), and for a blend the
        item-to-item scores without that film's row, both on the full history's scale. `windows`: the one window
        SASRec read [max_len], or an unordered history's windows [windows, max_len], whose scores are averaged: a
        film is taken out of its own window, which is rescored (the other windows' scores stay)."""
        windows = windows.reshape(-1, windows.shape[-1])
        films = [w[w > 0] for w in windows]
        history = np.concatenate(films)
        if len(history) == 1:
            return [[int(history[0])] for _ in top]
        occluded_windows = [np.delete(w, i) for w in films for i in range(len(w))]
        if len(windows) == 1:
            occluded = self._occlusions(occluded_windows, windows)[:, top]
        else:  # the windows themselves ride along in the same inference: each one's share of the average
            every = self._occlusions([*occluded_windows, *films], windows)[:, top]
            own = np.repeat(every[len(history) :], [len(w) for w in films], axis=0)
            occluded = raw[top][None, :] + (every[: len(history)] - own) / len(windows)
        if self.item_item is not None:
            occluded = self._occluded_blend(raw, occluded, items, history, top, weight)
        drops = base[None, :] - occluded  # [history, top]
        because = []
        for column in drops.T:
            order = np.argsort(-column, kind="stable")[:n]
            because.append([int(history[i]) for i in order if column[i] > 0])
        return because

    def _occlusions(self, sequences: list[np.ndarray], windows: np.ndarray) -> np.ndarray:
        """SASRec's scores of the occluded `sequences` of `windows` [sequences, n_items + 1]. The last history's are
        kept (up to `KEPT_OCCLUSIONS` bytes): a "not for me" asks again of the same history, and for a 500-film
        export this inference is most of the answer's time."""
        key = windows.tobytes()
        with self._kept_lock:
            if self._kept is not None and self._kept[0] == key:
                return self._kept[1]
        scores = self.scores(self.encode(sequences))
        if scores.nbytes <= KEPT_OCCLUSIONS:
            with self._kept_lock:
                self._kept = (key, scores)
        return scores

    def _occluded_blend(
        self,
        raw: np.ndarray,
        occluded: np.ndarray,
        items: list[int],
        history: np.ndarray,
        top: np.ndarray,
        weight: float,
    ) -> np.ndarray:
        """Blended scores of the `top` films with each film of `history` taken out, on the full history's scale
        (so that a drop is the film's own contribution, not a change of scale): [history, top]."""
        item_item = self.item_item
        assert item_item is not None
        full = item_item.score([items])
        without = np.repeat(full[:, top], len(history), axis=0)
        for row, film in enumerate(history):
            targets, weights = item_item.row(int(film))  # targets ascending
            at = np.minimum(np.searchsorted(targets, top), max(len(targets) - 1, 0))
            hit = (targets[at] == top) if len(targets) else np.zeros(len(top), dtype=bool)
            without[row, hit] -= weights[at[hit]]
        return weight * scale(occluded, moments(raw[None])) + (1.0 - weight) * scale(without, moments(full))

    def film(self, item: int) -> Film:
        """A film by its item index, as every answer shows it."""
        items = self._items
        year = items.years[item]
        return Film(
            movieId=int(items.movie_ids[item]),
            title=items.titles[item],
            year=None if np.isnan(year) else int(year),
            genres=tuple(items.genre_lists[item]),
            tmdbId=items.tmdb[item],
            imdbId=items.imdb[item],
        )

    def ref(self, item: int) -> FilmRef:
        """A film by its item index, as a reason names it."""
        year = self._items.years[item]
        return FilmRef(
            movieId=int(self._items.movie_ids[item]),
            title=self._items.titles[item],
            year=None if np.isnan(year) else int(year),
        )
