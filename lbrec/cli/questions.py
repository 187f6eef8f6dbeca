"""The questions beyond "what next" (onnxruntime, no torch): rank a list for me, would I like it, more like this
film, watch together.

Each asks `lbrec.ask`, as the app does, and prints its answer: `rank` orders a watchlist, a list CSV or typed titles for
one person; `predict` places films among everything the person has not seen; `similar` needs only seed films;
`group` takes 2 to 6 members, each from any source `recommend` takes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from lbrec.cli.common import log
from lbrec.cli.serve import (
    asker,
    marks_args,
    options_of,
    png_arg,
    print_json,
    print_watch,
    read_person,
    source_args,
    watch_args,
    write_picture,
)
from lbrec.errors import LbrecError

if TYPE_CHECKING:
    from lbrec.ask.answers import Answer
    from lbrec.ask.questions import ToRank


def to_rank(args: argparse.Namespace) -> ToRank:
    """The films to rank that the command line names: the watchlist, a list CSV or typed titles."""
    from lbrec.ask.questions import ToRank

    if args.watchlist:
        return ToRank("watchlist")
    if args.list is not None:
        try:
            return ToRank("list", args.list.read_bytes(), args.list.name)
        except OSError as exc:
            raise LbrecError(f"cannot read {args.list}: {exc.strerror or exc}") from None
    return ToRank("typed", args.among)


def log_unmatched(answer: Answer, what: str) -> None:
    for missing in answer.unmatched:
        log(f"  {what}: {missing.query} ({missing.reason})")


def cmd_rank(args: argparse.Namespace) -> int:
    from lbrec.data.titles import film_label
    from lbrec.serving.results import TMDB

    ask = asker(args)
    options = options_of(args, ask)
    films_to_rank = to_rank(args)
    person = read_person(args, ask, options)
    films, what = ask.to_rank(films_to_rank, person)
    answer = ask.rank(person, (films, what), options)
    log(f"  {answer.found} of {len(films)} films of {what} matched to MovieLens")
    write_picture(args.png, answer.films, "Best first for you", f"from {what}")
    if args.json:
        print_json(answer)
        return 0
    log_unmatched(answer, "not ranked")
    if answer.note:
        log(f"  {answer.note}")
    print(f"{what}, best first for you:")
    for place, film in enumerate(answer.films, 1):
        because = ", ".join(f.title for f in film.because)
        print(
            f"{place:>3}. {film_label(film.title, film.year)}  percentile {film.percentile:.1f}"
            + ("  (among TMDb's films for you: the model does not know it)" if film.origin == TMDB else "")
            + ("  (watched)" if film.watched else "")
            + (f"  because you liked {because}" if because else "")
        )
        print_watch(film)
    return 0


def rank_args(parser: argparse.ArgumentParser) -> None:
    source_args(parser, "rank")
    what = parser.add_argument_group("films to rank (exactly one)").add_mutually_exclusive_group(required=True)
    what.add_argument("--watchlist", action="store_true", help="your watchlist (from --export or --imdb-watchlist)")
    what.add_argument(
        "--list",
        type=Path,
        metavar="FILE",
        help="a Letterboxd list CSV: a list page's export, or lists/NAME.csv in your data export",
    )
    what.add_argument(
        "--among", metavar="TITLES", help='typed titles, e.g. a festival line-up: "Heat (1995); Alien (1979)"'
    )
    parser.add_argument("-k", type=int, help="only the best k (default: all)")
    parser.add_argument(
        "--json", action="store_true", help="print matched, unmatched, candidates and the ranking as JSON"
    )
    png_arg(parser)
    watch_args(parser)
    marks_args(parser)


def cmd_predict(args: argparse.Namespace) -> int:
    from lbrec.data.titles import film_label
    from lbrec.serving.results import TMDB

    ask = asker(args)
    options = options_of(args, ask)
    asked = ask.asked(args.films)  # a malformed or unknown film fails before any download
    answer = ask.predict(read_person(args, ask, options), asked, options)
    if args.json:
        print_json(answer)
        return 0
    log_unmatched(answer, "not found")
    for p in answer.films:
        because = ", ".join(f.title for f in p.because)
        print(
            f"{film_label(p.title, p.year)}: {p.verdict} (#{p.rank:,} of {p.of:,}"
            + (" of TMDb's films for you: the model does not know it" if p.origin == TMDB else "")
            + f", percentile {p.percentile:.1f})"
            + (f"; most raised by {because}" if because and not p.watched else "")
        )
        print_watch(p)
    return 0


def predict_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "films",
        nargs="+",
        metavar="FILM",
        help='a title ("Heat (1995)"), a Letterboxd film link '
        "(https://letterboxd.com/film/heat-1995/), tmdb:949 or a TMDb link, tt0113277 or an IMDb link",
    )
    source_args(parser, "predict")
    parser.add_argument("--json", action="store_true", help="print matched, unmatched and the predictions as JSON")
    watch_args(parser, services=False)


def cmd_similar(args: argparse.Namespace) -> int:
    from lbrec.data.titles import film_label

    ask = asker(args)
    options = options_of(args, ask)
    answer = ask.similar(args.films, options)
    newer = answer.shelf.films if answer.shelf else []
    if not answer.films and not newer:
        raise options.nothing_passes(ask.engine)
    write_picture(
        args.png,
        [*answer.films, *newer],
        "More like this",
        "like " + answer.what,
        because="like",
        reason_in_subtitle=True,
    )
    if args.json:
        print_json(answer)
        return 0
    log_unmatched(answer, "not found")
    if answer.note:
        log(f"  {answer.note}")
    several = answer.found > 1 or len(answer.lookup.matched if answer.lookup else []) > 1
    for place, film in enumerate(answer.films, 1):
        print(
            f"{place:>3}. {film_label(film.title, film.year)}"
            + (f"  like {', '.join(f.title for f in film.because)}" if several else "")
        )
        print_watch(film)
    print_shelf(answer, ask.engine.year_range[1])
    return 0


def print_shelf(answer: Answer, last_year: int) -> None:
    """The answer's films the model does not know (TMDb's, ranked by lbrec), after the model's, and TMDb's line."""
    from lbrec.data.titles import film_label
    from lbrec.serving.results import TMDB

    if answer.shelf is None:
        return
    if answer.shelf.note:
        log(f"  {answer.shelf.note}")
    if not answer.shelf.films:
        return
    print(f"\nFilms the model does not know: {TMDB} (newer than {last_year}, or not in its catalog)")
    for place, film in enumerate(answer.shelf.films, 1):
        fit = getattr(film, "fit", None)
        extra = f"  (fit: {', '.join(f'{who} {v:.0f}' for who, v in fit.items())})" if fit else ""
        because = film.because if isinstance(film.because, list) else []
        print(
            f"{place:>3}. {film_label(film.title, film.year)}{extra}"
            + (f"  like {', '.join(f.title for f in because)}" if because else "")
        )
        print_watch(film)


def similar_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "films",
        nargs="+",
        metavar="FILM",
        help='one or more films: "Heat (1995)", a Letterboxd film link, tmdb:949, tt0113277',
    )
    parser.add_argument("-k", type=int, default=10, help="number of films (default: %(default)s)")
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--json", action="store_true", help="print seeds, unmatched and the similar films as JSON")
    png_arg(parser)
    watch_args(parser)
    marks_args(parser)


def cmd_group(args: argparse.Namespace) -> int:
    from lbrec.ask.person import parse_member
    from lbrec.ask.questions import Member
    from lbrec.data.titles import film_label

    ask = asker(args)
    options = options_of(args, ask)
    members = []
    for number, spec in enumerate(args.member, 1):
        try:
            members.append(Member("", parse_member(spec)))
        except LbrecError as exc:
            raise LbrecError(f"member {number} ({spec[:60]}): {exc}") from None
    answer = ask.group(members, options, progress=log)
    for label, matched in answer.members:
        log(f"  {label}: {len(matched.positives)} of {len(matched.results)} films matched")
    write_picture(
        args.png, answer.films, "Films to watch together", "for " + " + ".join(answer.labels), because="because of"
    )
    if args.json:
        print_json(answer)
        return 0
    for place, film in enumerate(answer.films, 1):
        fit = ", ".join(f"{label} {value:.0f}" for label, value in film.fit.items())
        print(f"{place:>3}. {film_label(film.title, film.year)}  (fit: {fit})")
        print_watch(film)
    print_shelf(answer, ask.engine.year_range[1])
    return 0


def group_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--member",
        action="append",
        default=[],
        metavar="SPEC",
        required=True,
        help="one person (2 to 6, repeat the option): export:PATH, rss:NAME, imdb:PATH "
        '(IMDb ratings CSV) or "titles:Heat (1995); Alien (1979)"',
    )
    parser.add_argument("-k", type=int, default=10, help="number of films (default: %(default)s)")
    parser.add_argument(
        "--with-watchlists",
        dest="exclude_watchlist",
        action="store_true",
        help="also leave out the members' watchlists",
    )
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--json", action="store_true", help="print members and recommendations as JSON")
    png_arg(parser)
    watch_args(parser)
    marks_args(parser)
