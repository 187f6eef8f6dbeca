"""The questions beyond "what next" (onnxruntime, no torch): rank a list for me, would I like it, more like this
film, watch together.

Each answers from the served model (`lbrec.serving`): `rank` orders a watchlist, a list CSV or typed titles for
one person; `predict` places films among everything the person has not seen; `similar` needs only seed films;
`group` takes 2 to 6 members, each from any source `recommend` takes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from lbrec.cli.common import log
from lbrec.cli.serve import png_arg, read_source, source_args, write_picture
from lbrec.errors import LbrecError

if TYPE_CHECKING:
    from lbrec.catalog.index import Catalog
    from lbrec.catalog.matches import MatchedHistory
    from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory


NO_WATCHLIST = {"export": "this export has no watchlist films (its watchlist.csv is missing or empty)",
                "rss": "an RSS feed carries no watchlist: use --export, or --list / --among",
                "typed": "typed titles carry no watchlist: give the films to rank with --among or --list",
                "imdb": "no IMDb watchlist given: add --imdb-watchlist FILE (Watchlist > Export on IMDb)"}


def candidates(args: argparse.Namespace, history: LetterboxdHistory) -> tuple[list[FilmEntry], str]:
    """The films to rank and what they are, in words: the watchlist, a list CSV or typed titles."""
    from lbrec.letterboxd.lists import read_list_csv
    from lbrec.letterboxd.typed import parse_typed

    if args.watchlist:
        if not history.watchlist:
            raise LbrecError(NO_WATCHLIST.get(history.source, "this source has no watchlist"))
        return history.watchlist, "your watchlist"
    if args.list is not None:
        try:
            data = args.list.read_bytes()
        except OSError as exc:
            raise LbrecError(f"cannot read {args.list}: {exc.strerror or exc}") from None
        name, films = read_list_csv(data)
        return films, f"the list {name!r}" if name else f"the list in {args.list.name}"
    return parse_typed(args.among).films, "the titles given"


def match_candidates(catalog: Catalog, films: list[FilmEntry], what: str) -> MatchedHistory:
    from lbrec.catalog.matches import match_films

    found = match_films(catalog, films)
    log(f"  {len(found.positives)} of {len(films)} films of {what} matched to MovieLens")
    if not found.positives:
        reasons = "; ".join(f"{f.label}: {m.reason}" for f, m in found.unmatched[:3])
        raise LbrecError(f"none of the {len(films)} films of {what} could be matched to MovieLens ({reasons})")
    return found


def cmd_rank(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.catalog.index import Catalog
    from lbrec.data.titles import film_label
    from lbrec.serving.engine import Recommender
    from lbrec.serving.rank import rank_films

    if args.k is not None and args.k < 1:
        raise LbrecError(f"-k must be at least 1, not {args.k}")
    engine = Recommender(args.model or paths.default_model_dir())
    history, matched = read_source(args, engine)
    films, what = candidates(args, history)
    found = match_candidates(Catalog(engine.catalog), films, what)
    ranking = rank_films(engine, matched.positives, found.positives, matched.watched, k=args.k)
    write_picture(args.png, ranking, "Best first for you", f"from {what}")
    if args.json:
        print(json.dumps({**matched.to_json(), "candidates": found.to_json(),
                          "ranking": [r.to_dict() for r in ranking]}, ensure_ascii=False, indent=2))
        return 0
    for film, match in found.unmatched:
        log(f"  not ranked: {film.label} ({match.status}: {match.reason})")
    print(f"{what}, best first for you:")
    for place, film in enumerate(ranking, 1):
        because = ", ".join(f.title for f in film.because)
        print(f"{place:>3}. {film_label(film.title, film.year)}  percentile {film.percentile:.1f}"
              + ("  (watched)" if film.watched else "") + (f"  because you liked {because}" if because else ""))
    return 0


def rank_args(parser: argparse.ArgumentParser) -> None:
    source_args(parser, "rank")
    what = parser.add_argument_group("films to rank (exactly one)").add_mutually_exclusive_group(required=True)
    what.add_argument("--watchlist", action="store_true", help="your watchlist (from --export or --imdb-watchlist)")
    what.add_argument("--list", type=Path, metavar="FILE", help="a Letterboxd list CSV: a list page's export, or "
                                                               "lists/NAME.csv in your data export")
    what.add_argument("--among", metavar="TITLES", help='typed titles, e.g. a festival line-up: "Heat (1995); '
                                                        'Alien (1979)"')
    parser.add_argument("-k", type=int, help="only the best k (default: all)")
    parser.add_argument("--json", action="store_true", help="print matched, unmatched, candidates and the ranking "
                                                            "as JSON")
    png_arg(parser)


def cmd_predict(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.catalog.index import Catalog
    from lbrec.catalog.matches import match_films
    from lbrec.data.titles import film_label
    from lbrec.letterboxd.typed import parse_film_query
    from lbrec.serving.engine import Recommender
    from lbrec.serving.predict import predict_films

    engine = Recommender(args.model or paths.default_model_dir())
    catalog = Catalog(engine.catalog)
    queries = [parse_film_query(text) for text in args.films]  # a malformed query fails before any download
    history, matched = read_source(args, engine)
    asked = match_films(catalog, queries)
    found = [(text, m.movie_id) for text, (_, m) in zip(args.films, asked.results, strict=True)
             if m.status == "matched" and engine.item_of(m.movie_id) is not None]  # type: ignore[arg-type]
    if not found:
        film, match = asked.results[0]
        options = "; ".join(c.label() for c in match.candidates[:5])
        raise LbrecError(f"{args.films[0]!r} {match.reason}" + (f" (candidates: {options})" if options else ""))
    rated = [f for f in history.films if f.rating is not None]
    ratings = {m.movie_id: f.rating for f, m in zip(rated, catalog.match_many(rated), strict=True) if m.movie_id}
    predictions = predict_films(engine, matched.positives, found, matched.watched, ratings)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps({**matched.to_json(), "unmatched": asked.to_json()["unmatched"],
                          "predictions": [p.to_dict() for p in predictions]}, ensure_ascii=False, indent=2))
        return 0
    for film, match in asked.unmatched:
        log(f"  not found: {film.label or film.tmdb_id} ({match.status}: {match.reason})")
    for p in predictions:
        because = ", ".join(f.title for f in p.because)
        print(f"{film_label(p.title, p.year)}: {p.verdict} (#{p.rank:,} of {p.of:,}, percentile "
              f"{p.percentile:.1f})" + (f"; most raised by {because}" if because and not p.watched else ""))
    return 0


def predict_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("films", nargs="+", metavar="FILM", help='a title ("Heat (1995)"), a Letterboxd film link '
                        '(https://letterboxd.com/film/heat-1995/), tmdb:949 or a TMDb link, tt0113277 or an IMDb link')
    source_args(parser, "predict")
    parser.add_argument("--json", action="store_true", help="print matched, unmatched and the predictions as JSON")


def cmd_similar(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.catalog.index import Catalog
    from lbrec.catalog.matches import match_films
    from lbrec.data.titles import film_label
    from lbrec.letterboxd.typed import parse_film_query
    from lbrec.serving.engine import Recommender
    from lbrec.serving.similar import similar_films

    if args.k < 1:
        raise LbrecError(f"-k must be at least 1, not {args.k}")
    engine = Recommender(args.model or paths.default_model_dir())
    asked = match_films(Catalog(engine.catalog), [parse_film_query(text) for text in args.films])
    seeds = [m for m in asked.positives if engine.item_of(m) is not None]
    if not seeds:
        film, match = asked.results[0]
        options = "; ".join(c.label() for c in match.candidates[:5])
        raise LbrecError(f"{args.films[0]!r} {match.reason}" + (f" (candidates: {options})" if options else ""))
    similar = similar_films(engine, seeds, k=args.k)
    write_picture(args.png, similar, "More like this", "like " + ", ".join(
        film_label(m.title, m.year) for _, m in asked.results if m.status == "matched"), because="like",
        reason_in_subtitle=True)
    if args.json:
        films = asked.to_json()
        print(json.dumps({"seeds": films["matched"], "unmatched": films["unmatched"],
                          "similar": [s.to_dict() for s in similar]}, ensure_ascii=False, indent=2))
        return 0
    for film, match in asked.unmatched:
        log(f"  not found: {film.label or film.tmdb_id} ({match.status}: {match.reason})")
    for place, film in enumerate(similar, 1):
        print(f"{place:>3}. {film_label(film.title, film.year)}"
              + (f"  like {', '.join(f.title for f in film.because)}" if len(seeds) > 1 else ""))
    return 0


def similar_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("films", nargs="+", metavar="FILM", help='one or more films: "Heat (1995)", a Letterboxd '
                        "film link, tmdb:949, tt0113277")
    parser.add_argument("-k", type=int, default=10, help="number of films (default: %(default)s)")
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else "
                                                   "models/ml-latest-small)")
    parser.add_argument("--json", action="store_true", help="print seeds, unmatched and the similar films as JSON")
    png_arg(parser)


def read_members(specs: list[str], engine: object) -> list[tuple[object, object]]:
    """Each --member read and matched, in order: (its Member, its matched films); a member whose source fails
    is named in the one-line error."""
    from lbrec.catalog.index import Catalog
    from lbrec.letterboxd.sources import load_history, match_history, parse_member
    from lbrec.serving.group import MAX_MEMBERS, MIN_MEMBERS, Member

    if not MIN_MEMBERS <= len(specs) <= MAX_MEMBERS:
        raise LbrecError(f"a group has {MIN_MEMBERS} to {MAX_MEMBERS} members (--member, repeated), not {len(specs)}")
    catalog = Catalog(engine.catalog)  # type: ignore[attr-defined]
    members, labels = [], []
    for number, spec in enumerate(specs, 1):
        try:
            kind, value, label = parse_member(spec)
            history = load_history(kind, value, allow_files=True)
        except LbrecError as exc:
            raise LbrecError(f"member {number} ({spec[:60]}): {exc}") from None
        label = label if label not in labels else f"{label} {number}"
        labels.append(label)
        matched = match_history(history, catalog)
        if not matched.positives:
            raise LbrecError(f"member {number} ({label}): none of their films could be matched to MovieLens")
        log(f"  {label}: {len(matched.positives)} of {len(matched.results)} films matched")
        members.append((Member(label, matched.positives, matched.watched, matched.watchlist), matched))
    return members


def cmd_group(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.data.titles import film_label
    from lbrec.serving.engine import Recommender
    from lbrec.serving.group import recommend_for_group

    if args.k < 1:
        raise LbrecError(f"-k must be at least 1, not {args.k}")
    engine = Recommender(args.model or paths.default_model_dir())
    members = read_members(args.member, engine)
    picks = recommend_for_group(engine, [m for m, _ in members], k=args.k, with_watchlists=args.with_watchlists)
    if not picks:
        raise LbrecError("every film the model knows has been watched by someone in this group")
    write_picture(args.png, picks, "Films to watch together",
                  "for " + " + ".join(m.label for m, _ in members), because="because of")  # type: ignore[attr-defined]
    if args.json:
        print(json.dumps({"members": [{"label": m.label, **matched.to_json()} for m, matched in members],
                          "recommendations": [p.to_dict() for p in picks]}, ensure_ascii=False, indent=2))
        return 0
    for place, pick in enumerate(picks, 1):
        fit = ", ".join(f"{label} {value:.0f}" for label, value in pick.fit.items())
        print(f"{place:>3}. {film_label(pick.title, pick.year)}  (fit: {fit})")
    return 0


def group_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--member", action="append", default=[], metavar="SPEC", required=True,
                        help='one person (2 to 6, repeat the option): export:PATH, rss:NAME, imdb:PATH (IMDb '
                             'ratings CSV) or "titles:Heat (1995); Alien (1979)"')
    parser.add_argument("-k", type=int, default=10, help="number of films (default: %(default)s)")
    parser.add_argument("--with-watchlists", action="store_true", help="also leave out the members' watchlists")
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else "
                                                   "models/ml-latest-small)")
    parser.add_argument("--json", action="store_true", help="print members and recommendations as JSON")
    png_arg(parser)
