"""The serving commands (onnxruntime, no torch): match titles, recommend films, serve the app."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lbrec.cli.common import log, parse_range
from lbrec.errors import LbrecError

if TYPE_CHECKING:
    from lbrec.ask.answers import Answer
    from lbrec.ask.options import Options
    from lbrec.ask.person import Person
    from lbrec.ask.questions import Ask
    from lbrec.ask.shelf import Shelf
    from lbrec.serving.results import Film


def cmd_match(args: argparse.Namespace) -> int:
    from lbrec.catalog.index import load_catalog

    queries = [q for q in args.titles if q.strip()]
    if args.file:
        try:
            queries += [line for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise LbrecError(f"cannot read {args.file}: {exc}") from None
    if not queries:
        raise LbrecError('nothing to match: give titles such as "Heat (1995)", or --file FILE (one per line)')
    catalog = load_catalog(args.catalog, args.dataset)
    for match in (catalog.match_text(q) for q in queries):
        if args.json:
            print(json.dumps(match.to_json(), ensure_ascii=False))
        elif match.status == "matched":
            print(
                f"{match.query}\t-> {match.candidates[0].label()} [movieId {match.movie_id}, "
                f"confidence {match.confidence:.2f}]"
            )
        else:
            options = "; ".join(f"{c.label()} [{c.movie_id}]" for c in match.candidates)
            print(
                f"{match.query}\t-> {match.status}: {match.reason}" + (f" (candidates: {options})" if options else "")
            )
    return 0


def match_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "titles",
        nargs="*",
        metavar="TITLE",
        help='Letterboxd-style titles: "Heat (1995)", "The Matrix", or an IMDb id (tt0133093)',
    )
    parser.add_argument("--file", type=Path, help="a text file with one title per line")
    parser.add_argument("--catalog", type=Path, help="catalog.parquet, or a prepared data set folder")
    parser.add_argument(
        "--dataset", default="ml-latest-small", help="prepared data set whose catalog to use (default: %(default)s)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per title (JSON Lines): "
        "query, movieId (or null), title, year, confidence, "
        "status, reason, candidates",
    )


def asker(args: argparse.Namespace) -> Ask:
    """The questions over the model folder of `--model` (default: $LBREC_MODEL, else models/ml-latest-small)."""
    from lbrec import paths
    from lbrec.ask.questions import Ask
    from lbrec.serving.engine import Recommender
    from lbrec.tmdb.environment import tmdb_from_env

    tmdb = tmdb_from_env()  # the person's own key: films of every year, and where to watch (None: no key)
    return Ask(Recommender(args.model or paths.default_model_dir()), allow_files=True, tmdb=tmdb)


def options_of(args: argparse.Namespace, ask: Ask) -> Options:
    """The options a command was given (those it has no argument for keep their defaults); the films marked "not
    for me" and "seen it" are matched here, so that a title not found fails before any history is read."""
    from lbrec.ask.options import Options
    from lbrec.letterboxd.history import DEFAULT_CHOICE

    marks = {}
    for mark, words in MARKS.items():
        if value := getattr(args, mark, None):
            marked = ask.marked(value, words)
            marks |= {mark: marked.movie_ids, f"{mark}_tmdb": marked.tmdb_ids}

    years = getattr(args, "years", None) or (None, None)
    low, high = getattr(args, "popularity", None) or (None, None)
    return Options(
        choice=getattr(args, "choice", DEFAULT_CHOICE),
        k=getattr(args, "k", None),
        include=frozenset(getattr(args, "genre", ())),
        exclude=frozenset(getattr(args, "exclude_genre", ())),
        years=years,
        popularity=(low or 0.0, 1.0 if high is None else high),
        exclude_watchlist=bool(getattr(args, "exclude_watchlist", False)),
        country=getattr(args, "country", None),
        services=frozenset(getattr(args, "service", ())),
        **marks,
    )


def read_person(args: argparse.Namespace, ask: Ask, options: Options) -> Person:
    """The one history source of `source_args`, read and matched to the model."""
    from lbrec.ask.person import Source

    sources = [
        (kind, value)
        for kind, value in [("typed", args.titles), ("export", args.export), ("rss", args.rss), ("imdb", args.imdb)]
        if value
    ]
    if len(sources) != 1:
        raise LbrecError("give exactly one of --titles, --export, --rss or --imdb")
    kind, value = sources[0]
    if args.imdb_watchlist and kind != "imdb":
        raise LbrecError("--imdb-watchlist goes with --imdb (your IMDb ratings export)")
    log(f"reading {kind} input ...")
    history = ask.history(Source(kind, value, watchlist=args.imdb_watchlist))
    if history.skipped:
        log(f"  {history.skipped}")
    person = ask.person(history, options)
    log(f"  reading {history.describe(options.choice)}")
    log(f"  {len(person.matched.positives)} of {len(person.matched.results)} films matched to MovieLens")
    return person


def print_json(answer: Answer) -> None:
    if answer.note:
        log(f"  {answer.note}")
    print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))


def print_watch(film: Film) -> None:
    """Where to watch a film, in one line under it (with --country)."""
    if film.watch is None:
        return
    found = film.watch.to_json()
    kinds = [f"{kind} {', '.join(found[kind])}" for kind in ("stream", "free", "ads", "rent", "buy") if found[kind]]
    print(f"    {found['country']}: " + ("; ".join(kinds) if kinds else "nowhere to stream, rent or buy"))


def watch_args(parser: argparse.ArgumentParser, services: bool = True) -> None:
    """Where to watch: `--country` (and `--service`, a filter), with the person's own TMDb key."""
    parser.add_argument(
        "--country",
        metavar="CODE",
        help="where to watch each film in this country (ISO 3166-1, "
        "e.g. GB, US, IT), from TMDb and JustWatch; needs TMDB_API_KEY (your own TMDb API key)",
    )
    if services:
        parser.add_argument(
            "--service",
            action="append",
            default=[],
            metavar="NAME",
            help="only films this service streams in --country (subscription, free or with ads), "
            "e.g. Netflix (repeatable; any case)",
        )


MARKS = {"not_for_me": "not for me", "seen": "seen it"}  # Options' field (movieIds; + "_tmdb": TMDb ids), in words


def marks_args(parser: argparse.ArgumentParser) -> None:
    """Films never to answer: "not for me" (their look-alikes go down too) and "seen it"; with a key, films only TMDb
    knows too (`lbrec.ask.questions.Ask.marked`)."""
    parser.add_argument(
        "--not-for-me",
        metavar="FILMS",
        help="films not for you: never shown, and their look-alikes "
        'shown less: typed titles ("Cats (2019); Norbit") or a Letterboxd list CSV; with TMDB_API_KEY, films the '
        "model lacks too (looked up on TMDb: never among the newer films)",
    )
    parser.add_argument(
        "--seen",
        metavar="FILMS",
        help="films you have seen besides your input's: never shown; typed titles or a Letterboxd list CSV; with "
        "TMDB_API_KEY, films the model lacks too",
    )


def write_picture(
    path: Path | None,
    records: Sequence[object],
    heading: str,
    subtitle: str,
    because: str = "because you liked",
    reason_in_subtitle: bool = False,
) -> None:
    """`--png FILE`: the list (the answer's records) as a picture to share, written atomically; a path that cannot
    be written fails in one line. Nothing is drawn, nor matplotlib imported, without `--png`.
    `reason_in_subtitle`: the subtitle names the one reason every film shares (more like one seed film)."""
    if path is None:
        return
    from lbrec.artifacts import write_bytes
    from lbrec.share import share_png, shared_films, without_a_shared_reason

    films = shared_films(records)
    if reason_in_subtitle:
        films = without_a_shared_reason(films)
    if not films:
        raise LbrecError(f"no film to draw in {path}: the list is empty")
    try:
        write_bytes(path, share_png(films, heading, subtitle, because))
    except OSError as exc:
        raise LbrecError(f"cannot write {path}: {exc.strerror or exc}") from None
    log(f"wrote {path}")


def png_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--png", type=Path, metavar="FILE", help="also write the list as a picture to share (1200x1500 PNG)"
    )


def cmd_recommend(args: argparse.Namespace) -> int:
    from lbrec.serving.results import TMDB

    ask = asker(args)
    options = options_of(args, ask)
    options.filters(ask.engine)  # wrong options fail before any download
    person = read_person(args, ask, options)
    answer = ask.recommend(person, options)
    if not args.json and answer.films:  # the model's films at once: TMDb's may take seconds on a cold cache
        print_films(answer.films)
        sys.stdout.flush()
    shelf = ask.newer(person, options, progress=log)
    if ask.tmdb is not None:
        answer.shelf = shelf
    if not answer.films and not shelf.films:
        raise options.nothing_passes(ask.engine)
    username = person.history.username
    write_picture(
        args.png,
        [*answer.films, *shelf.films],
        "Films for you",
        f"for {username}" if username else f"based on {len(person.liked)} of your films",
    )
    if shelf.note:
        log(f"  {shelf.note}")
    if args.json:
        print_json(answer)
        return 0
    print_understood(answer, shelf)
    if answer.note:
        log(f"  {answer.note}")
    if shelf.films:
        print(f"\nFilms the model does not know: {TMDB} (newer than {ask.engine.year_range[1]}, or not in its catalog)")
        print_films(shelf.films)
    return 0


def print_understood(answer: Answer, shelf: Shelf) -> None:
    """What was read, on stderr: the films the model could not use, and those TMDb found instead."""
    from lbrec.ask.lookup import label

    found = shelf.lookup.labels if shelf.lookup else set()
    for missing in answer.unmatched:
        if missing.query not in found:
            log(f"  not used: {missing.query} ({missing.reason})")
    if shelf.lookup is not None:
        lookup = shelf.lookup
        for film, match in lookup.ambiguous():  # as a typed title the catalog cannot settle asks: with what to type
            offered = "; ".join(f"{c.told_apart()} (tmdb:{c.tmdb_id})" for c in match.candidates)
            log(f"  TMDb has several films for {label(film)}: {offered}; type the one you mean as tmdb:ID")
        log(
            f"  TMDb knows {len(lookup.matched)} of your {len(lookup.lacking)} films the model lacks"
            + (
                f" ({lookup.not_looked_up} not looked up: one answer asks for {len(lookup.found)} at most)"
                if lookup.not_looked_up
                else ""
            )
        )


def print_films(films: Sequence[Film], first: int = 1) -> None:
    """The films, numbered from `first`, each with its reasons, its Letterboxd link and where to watch it."""
    from lbrec.data.titles import film_label

    for rank, film in enumerate(films, first):
        because = ", ".join(f.title for f in getattr(film, "because", []))
        print(
            f"{rank:>2}. {film_label(film.title, film.year)}  [{', '.join(film.genres)}]"
            + (f"  because you liked {because}" if because else "")
        )
        if "letterboxd" in film.links:
            print(f"    {film.links['letterboxd']}")
        print_watch(film)


def source_args(parser: argparse.ArgumentParser, what: str = "recommend") -> None:
    """The history source every question takes (exactly one), the choice of its films, and the model folder."""
    from lbrec.letterboxd.history import CHOICES, DEFAULT_CHOICE

    source = parser.add_argument_group("input (exactly one)")
    source.add_argument("--titles", help='films you liked, oldest first: "Heat (1995); Alien (1979); Amélie"')
    source.add_argument("--export", help="your Letterboxd data export: the ZIP or its unzipped folder")
    source.add_argument("--rss", help="a Letterboxd username, its RSS link, or a saved RSS file (latest 50 films)")
    source.add_argument(
        "--imdb",
        metavar="FILE",
        help="your IMDb ratings export (Your Ratings > Export), a CSV; "
        "IMDb's 1-10 count as half as many stars (8 -> 4 stars)",
    )
    parser.add_argument("--imdb-watchlist", metavar="FILE", help="with --imdb: your IMDb watchlist export (CSV)")
    parser.add_argument(
        "--from",
        dest="choice",
        default=DEFAULT_CHOICE,
        choices=list(CHOICES),
        help=f"which films to {what} from: "
        + "; ".join(f"{key}: {text}" for key, text in CHOICES.items())
        + " (default: %(default)s, the films rated 4 stars or more, else the liked ones, else all of them; "
        "recent is refused for an export logged in bulk, whose dates give no order)",
    )
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")


def recommend_args(parser: argparse.ArgumentParser) -> None:
    source_args(parser)
    parser.add_argument("--exclude-watchlist", action="store_true", help="leave out films on your watchlist")
    parser.add_argument("-k", type=int, default=10, help="number of recommendations (default: %(default)s)")
    parser.add_argument("--genre", action="append", default=[], help="only films of this genre (repeatable)")
    parser.add_argument("--exclude-genre", action="append", default=[], help="no films of this genre (repeatable)")
    parser.add_argument("--years", type=lambda t: parse_range(t, int), help="release years, e.g. 1970:1999")
    parser.add_argument(
        "--popularity",
        type=lambda t: parse_range(t, float),
        help="popularity band as quantiles from 0 (obscure) to 1 (most rated), e.g. 0:0.5",
    )
    parser.add_argument("--json", action="store_true", help="print matched, unmatched and recommendations as JSON")
    png_arg(parser)
    watch_args(parser)
    marks_args(parser)


POOL_SIZE = 2  # preheated kernels waiting for visitors; each holds about 200 MB (docs/cli.md: "A public deployment")
FILL_DELAY = 0  # seconds before a used kernel is replaced: at once, so visitors in a row find the pool full


APP_NOTEBOOK = "05_recommend.ipynb"


def app_notebook() -> Path:
    """The notebook Voilà serves as the app: beside lbrec's code, in the checkout that holds this package (LBREC_HOME
    moves the data and the models, never the code), else in the project home."""
    from lbrec import paths

    beside_the_code = Path(__file__).resolve().parents[2] / "notebooks" / APP_NOTEBOOK
    for notebook in (beside_the_code, paths.home() / "notebooks" / APP_NOTEBOOK):
        if notebook.is_file():
            return notebook
    raise LbrecError(f"{APP_NOTEBOOK} not found in {beside_the_code.parent}: run the app from a checkout of lbrec")


def cmd_app(args: argparse.Namespace) -> int:
    import shutil

    from lbrec import paths

    notebook = app_notebook()
    model_dir = (args.model or paths.default_model_dir()).resolve()
    if not (model_dir / "onnx.json").is_file():  # fail here, in one line, rather than in the page
        raise LbrecError(
            f"no exported model in {model_dir}: run `make model` (or `python -m lbrec train` and "
            f"`python -m lbrec export`)"
        )
    if args.pool_size < 0:
        raise LbrecError(f"--pool-size must be 0 (no preheated kernels) or more, not {args.pool_size}")
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if voila is None:
        raise LbrecError("voila is not installed: `pip install voila` (or run `make app`)")
    command = [
        voila,
        str(notebook),
        "--no-browser",
        f"--port={args.port}",
        f"--Voila.ip={args.ip}",
        "--Voila.port_retries=0",  # fail rather than silently move to another port
        f"--MappingKernelManager.cull_idle_timeout={args.cull_idle}",
        f"--MappingKernelManager.cull_interval={args.cull_interval}",
        f"--MappingKernelManager.cull_connected={args.cull_connected}",
    ]
    if args.pool_size:
        # Kernels that have already run the notebook wait for visitors (the page does not depend on the request);
        # a used one is replaced at once. Voilà never culls a kernel still in the pool.
        command += [
            "--VoilaConfiguration.preheat_kernel=True",
            f"--VoilaConfiguration.default_pool_size={args.pool_size}",
            f"--VoilaKernelManager.fill_delay={FILL_DELAY}",
        ]
    log(
        f"serving {model_dir.name} on http://{args.ip}:{args.port}/ with {args.pool_size} preheated kernel(s) "
        f"(Ctrl-C stops it)"
    )
    os.execve(voila, command, {**os.environ, "LBREC_MODEL": str(model_dir)})


def app_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--port", type=int, default=8866, help="port (default: %(default)s)")
    parser.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default: %(default)s, this machine only)"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=POOL_SIZE,
        help="kernels started ahead of visitors, so that "
        "a page opens without waiting for one; about 200 MB each (default: %(default)s; 0: none)",
    )
    parser.add_argument(
        "--cull-idle",
        type=int,
        default=600,
        help="seconds before an idle kernel (a closed tab) is shut down (default: %(default)s)",
    )
    parser.add_argument(
        "--cull-connected",
        action="store_true",
        help="also shut down idle kernels whose tab is still open (a public deployment)",
    )
    parser.add_argument(
        "--cull-interval", type=int, default=60, help="seconds between checks for idle kernels (default: %(default)s)"
    )
