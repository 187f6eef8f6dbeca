"""`python -m lbrec <command>`: one entry point for every step, from download to the app.

Progress goes to stderr, results to stdout. Bad input ends with a one-line reason and a non-zero exit status.
Each command imports what it needs when it runs, so `--help` is instant and serving never imports torch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import lbrec
from lbrec.errors import LbrecError


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_data_args(parser: argparse.ArgumentParser) -> None:
    from lbrec.data import DATASETS

    parser.add_argument("--dataset", default="ml-latest-small", choices=sorted(DATASETS),
                        help="GroupLens data set by name (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path,
                        help="folder holding <dataset>/ratings.csv etc. (default: $LBREC_DATA_DIR, else data/)")
    parser.add_argument("--ratings", type=Path, help="any ratings CSV in MovieLens format instead of --dataset "
                                                     "(userId,movieId,rating,timestamp)")
    parser.add_argument("--movies", type=Path, help="movies CSV (movieId,title,genres) to go with --ratings")
    parser.add_argument("--links", type=Path, help="links CSV (movieId,imdbId,tmdbId) to go with --ratings")
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading missing data")


def cmd_download(args: argparse.Namespace) -> int:
    from lbrec import data

    folder = data.download(args.dataset, dest=args.dest)
    print(folder)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from lbrec import data, paths, preprocess

    name = args.name or (args.ratings.parent.name if args.ratings else args.dataset)
    out = args.out or paths.processed_dir(name)
    started = time.perf_counter()
    log(f"loading {args.ratings or name} ...")
    ratings = data.load(args.dataset, data_dir=args.data_dir, ratings=args.ratings, movies=args.movies,
                        links=args.links, allow_download=not args.no_download)
    ratings.name = name
    log(f"  {len(ratings):,} ratings read in {time.perf_counter() - started:.1f} s; filtering, thresholding, "
        f"sequencing ...")
    config = preprocess.PrepareConfig(min_user_ratings=args.min_user_ratings,
                                      min_item_ratings=args.min_item_ratings, percentile=args.percentile)
    dataset = preprocess.prepare_to_folder(ratings, out, config, name=name)
    stats = dataset.meta["stats"]
    log(f"  done in {time.perf_counter() - started:.1f} s: {stats['users']:,} users, {stats['items']:,} movies, "
        f"{stats['positives']:,} positives -> {out}")
    print(json.dumps({"dataset": name, "path": str(out), **stats}) if args.json else out)
    return 0


def _prepare_args(parser: argparse.ArgumentParser) -> None:
    _add_data_args(parser)
    parser.add_argument("--name", help="name of the prepared data set (default: the data set's name)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/processed/<name>)")
    parser.add_argument("--min-user-ratings", type=int, default=10, help="keep users with at least this many "
                                                                         "ratings (default: %(default)s)")
    parser.add_argument("--min-item-ratings", type=int, default=1, help="keep movies with at least this many "
                                                                        "ratings (default: %(default)s)")
    parser.add_argument("--percentile", type=float, default=70.0,
                        help="a rating at or above this percentile of the user's ratings is a positive "
                             "(default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of the folder")


def _download_args(parser: argparse.ArgumentParser) -> None:
    from lbrec.data import DATASETS

    parser.add_argument("--dataset", default="ml-latest-small", choices=sorted(DATASETS))
    parser.add_argument("--dest", type=Path, help="download folder (default: data/)")


def cmd_match(args: argparse.Namespace) -> int:
    from lbrec.catalog import load_catalog

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
            print(f"{match.query}\t-> {match.candidates[0].label()} [movieId {match.movie_id}, "
                  f"confidence {match.confidence:.2f}]")
        else:
            options = "; ".join(f"{c.label()} [{c.movie_id}]" for c in match.candidates)
            print(f"{match.query}\t-> {match.status}: {match.reason}" + (f" (candidates: {options})" if options
                                                                           else ""))
    return 0


def _match_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("titles", nargs="*", metavar="TITLE", help='Letterboxd-style titles: "Heat (1995)", '
                                                                   '"The Matrix", or an IMDb id (tt0133093)')
    parser.add_argument("--file", type=Path, help="a text file with one title per line")
    parser.add_argument("--catalog", type=Path, help="catalog.parquet, or a prepared data set folder")
    parser.add_argument("--dataset", default="ml-latest-small",
                        help="prepared data set whose catalog to use (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per title (JSON Lines): "
                                                            "query, movieId (or null), title, year, confidence, "
                                                            "status, reason, candidates")


def cmd_export(args: argparse.Namespace) -> int:
    from lbrec import export, paths
    from lbrec.artifacts import read_json

    model_dir = args.model or paths.default_model_dir()
    log(f"exporting {model_dir} to ONNX ...")
    onnx_path = export.export_model_dir(model_dir, fp16=args.fp16)
    meta = read_json(model_dir / "onnx.json")
    log(f"  {onnx_path} ({meta['bytes'] / 2**20:.1f} MB, {meta['n_items']:,} movies, sha256 {meta['sha256'][:12]})")
    print(json.dumps(meta) if args.json else onnx_path)
    return 0


def _export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="trained model folder (default: $LBREC_MODEL, else "
                                                   "models/ml-latest-small)")
    parser.add_argument("--fp16", action="store_true", help="store the weights in float16: half the file, the same "
                                                            "top-10 films for over 99%% of test users, no faster on CPU")
    parser.add_argument("--json", action="store_true", help="print the ONNX metadata as JSON")


def cmd_app(args: argparse.Namespace) -> int:
    import os
    import shutil

    from lbrec import paths

    notebook = paths.home() / "notebooks" / "05_recommend.ipynb"
    if not notebook.is_file():
        raise LbrecError(f"{notebook} not found: run the app from a checkout of lbrec")
    model_dir = (args.model or paths.default_model_dir()).resolve()
    if not (model_dir / "onnx.json").is_file():  # fail here, in one line, rather than in the page
        raise LbrecError(f"no exported model in {model_dir}: run `make model` (or `python -m lbrec train` and "
                         f"`python -m lbrec export`)")
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if voila is None:
        raise LbrecError("voila is not installed: `pip install voila` (or run `make app`)")
    command = [voila, str(notebook), "--no-browser", f"--port={args.port}", f"--Voila.ip={args.ip}",
               "--Voila.port_retries=0",  # fail rather than silently move to another port
               f"--MappingKernelManager.cull_idle_timeout={args.cull_idle}",
               "--MappingKernelManager.cull_interval=60"]
    log(f"serving {model_dir.name} on http://{args.ip}:{args.port}/ (Ctrl-C stops it)")
    os.execve(voila, command, {**os.environ, "LBREC_MODEL": str(model_dir)})


def _app_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--port", type=int, default=8866, help="port (default: %(default)s)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: %(default)s, this machine "
                                                         "only)")
    parser.add_argument("--cull-idle", type=int, default=600, help="seconds before an idle kernel (a closed tab) is "
                                                                  "shut down (default: %(default)s)")


def cmd_bench(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.bench import engine_latency

    model_dir = args.model or paths.default_model_dir()
    log(f"timing {args.requests} single requests per contender on one thread ({model_dir}) ...")
    result = engine_latency(model_dir, n=args.requests)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['n_items']:,} movies, model.onnx {result['onnx_mb']:.1f} MB")
    for name, timing in result["timings"].items():
        print(f"  {name:<24} p50 {timing['p50_ms']:8.2f} ms   p99 {timing['p99_ms']:8.2f} ms")
    return 0


def _bench_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per contender")
    parser.add_argument("--json", action="store_true", help="print the timings as JSON")


def _range(text: str, kind: type) -> tuple:
    """`1990:1999`, `1990:` or `:1999` -> (low, high) with None for an open end."""
    low, sep, high = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range like 1990:1999 (either end may be left open)")
    try:
        return (kind(low) if low else None, kind(high) if high else None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range of numbers like 1990:1999") from None


def cmd_recommend(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.catalog import Catalog
    from lbrec.letterboxd import load_history, match_history
    from lbrec.recommend import Filters, Recommender

    sources = [(kind, value) for kind, value in [("typed", args.titles), ("export", args.export),
                                                  ("rss", args.rss), ("profile", args.letterboxd)] if value]
    if len(sources) != 1:
        raise LbrecError("give exactly one of --titles, --export, --rss or --letterboxd")
    kind, value = sources[0]
    engine = Recommender(args.model or paths.default_model_dir())
    log(f"reading {kind} input ...")
    history = load_history(kind, value, allow_files=True, watchlist=args.exclude_watchlist)
    matched = match_history(history, Catalog(engine.catalog), args.source)
    log(f"  {len(matched.positives)} of {len(matched.results)} films matched to MovieLens")
    if not matched.positives:
        raise LbrecError("none of the films could be matched to MovieLens, so there is nothing to recommend from; "
                         "check the titles (add the year, e.g. \"Heat (1995)\")")
    years = args.years or (None, None)
    popularity = args.popularity or (None, None)
    filters = Filters(include_genres=frozenset(args.genre), exclude_genres=frozenset(args.exclude_genre),
                      years=years, popularity=(popularity[0] or 0.0, 1.0 if popularity[1] is None else popularity[1]))
    exclude = matched.watched | (matched.watchlist if args.exclude_watchlist else set())
    try:
        recommendations = engine.recommend(matched.positives, k=args.k, exclude=exclude, filters=filters)
    except ValueError as exc:
        raise LbrecError(str(exc)) from None
    if args.json:
        print(json.dumps(matched.to_json(recommendations), ensure_ascii=False, indent=2))
        return 0
    for film, match in matched.unmatched:
        log(f"  not used: {film.label} ({match.status}: {match.reason})")
    for rank, rec in enumerate(recommendations, 1):
        because = ", ".join(f.title for f in rec.because)
        year = f" ({rec.year})" if rec.year else ""
        print(f"{rank:>2}. {rec.title}{year}  [{', '.join(rec.genres)}]" + (f"  because you liked {because}"
                                                                          if because else ""))
        if "letterboxd" in rec.links:
            print(f"    {rec.links['letterboxd']}")
    return 0


def _recommend_args(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("input (exactly one)")
    source.add_argument("--titles", help='films you liked, oldest first: "Heat (1995); Alien (1979); Amélie"')
    source.add_argument("--export", help="your Letterboxd data export: the ZIP or its unzipped folder")
    source.add_argument("--rss", help="a Letterboxd username, its RSS link, or a saved RSS file (latest 50 films)")
    source.add_argument("--letterboxd", metavar="USER", help="a Letterboxd username: every film on the profile")
    parser.add_argument("--source", default="recent", choices=["recent", "5", "4", "3", "rated", "liked"],
                        help="which films to recommend from: the latest 50, 5 stars, 4+, 3+, every rated or "
                             "every liked film (default: %(default)s)")
    parser.add_argument("--exclude-watchlist", action="store_true", help="leave out films on your watchlist")
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else "
                                                   "models/ml-latest-small)")
    parser.add_argument("-k", type=int, default=10, help="number of recommendations (default: %(default)s)")
    parser.add_argument("--genre", action="append", default=[], help="only films of this genre (repeatable)")
    parser.add_argument("--exclude-genre", action="append", default=[], help="no films of this genre (repeatable)")
    parser.add_argument("--years", type=lambda t: _range(t, int), help="release years, e.g. 1970:1999")
    parser.add_argument("--popularity", type=lambda t: _range(t, float),
                        help="popularity band as quantiles from 0 (obscure) to 1 (most rated), e.g. 0:0.5")
    parser.add_argument("--json", action="store_true", help="print matched, unmatched and recommendations as JSON")


def _prepared_dataset(args: argparse.Namespace):  # -> preprocess.Dataset
    """`--data PATH`, else data/processed/<name>, prepared first (as `prepare` does) when it is not there yet."""
    from lbrec import data, paths, preprocess

    if args.data:
        return preprocess.Dataset(args.data)
    name = args.ratings.parent.name if args.ratings else args.dataset
    folder = paths.processed_dir(name)
    if (folder / "meta.json").is_file():
        return preprocess.Dataset(folder)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # torchrun: every process would prepare the same folder at once
        raise LbrecError(f"{folder} is not prepared: run `python -m lbrec prepare` before torchrun")
    log(f"{folder} is not prepared yet: preparing {args.ratings or name} ...")
    ratings = data.load(args.dataset, data_dir=args.data_dir, ratings=args.ratings, movies=args.movies,
                        links=args.links, allow_download=not args.no_download)
    ratings.name = name
    return preprocess.prepare_to_folder(ratings, folder, name=name)


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from lbrec import paths
    from lbrec.model import SASRecConfig
    from lbrec.train import TrainConfig, resolve_loss, train

    if args.threads:
        torch.set_num_threads(args.threads)
    dataset = _prepared_dataset(args)
    out = args.out or paths.models_dir() / (args.name or dataset.name)
    given = {k: v for k, v in vars(args).items() if v is not None}
    try:
        model_config = SASRecConfig(n_items=dataset.n_items, **{k: given[k] for k in _MODEL_ARGS if k in given})
        config = TrainConfig(**{k: given[k] for k in _TRAIN_ARGS if k in given})
    except ValueError as exc:
        raise LbrecError(str(exc)) from None
    first = int(os.environ.get("RANK", "0")) == 0  # under torchrun, process 0 alone reports
    if first:
        log(f"training SASRec ({resolve_loss(config, model_config).loss} loss) on {dataset.name}: "
            f"{dataset.n_users:,} users, {dataset.n_items:,} movies -> {out}")
    result = train(dataset, out, model_config, config, device=args.device, resume=not args.restart,
                   progress=not args.quiet, log=log)
    if not first:
        return 0
    val, test = result["metrics"]["val"], result["metrics"]["test"]
    log(f"  best epoch {result['best_epoch']}: NDCG@10 validation {val['ndcg@10']:.4f}, test {test['ndcg@10']:.4f} "
        f"(95% CI {test['ci95']['ndcg@10'][0]:.4f}-{test['ci95']['ndcg@10'][1]:.4f}); "
        f"{result['seconds']['per_epoch']:.1f} s per epoch")
    print(json.dumps({"model_dir": str(out), **result}) if args.json else out)
    return 0


_MODEL_ARGS = ("max_len", "dim", "heads", "layers", "dropout")
_TRAIN_ARGS = ("loss", "epochs", "batch_size", "lr", "weight_decay", "label_smoothing", "negatives", "patience",
               "val_users", "eval_users", "epoch_batches", "seed")


def _train_args(parser: argparse.ArgumentParser) -> None:
    from lbrec.model import SASRecConfig
    from lbrec.train import LOSS_CHOICES, TrainConfig

    _add_data_args(parser)
    parser.add_argument("--data", type=Path, help="a prepared data set folder (default: data/processed/<dataset>, "
                                                  "prepared first if missing)")
    parser.add_argument("--name", help="model name: the folder is models/<name> (default: the data set's name)")
    parser.add_argument("--out", type=Path, help="model folder (default: models/<name>)")
    model, train = SASRecConfig(n_items=1), TrainConfig()
    hyper = parser.add_argument_group("hyper-parameters (defaults: the best on ml-latest-small validation)")
    hyper.add_argument("--loss", choices=LOSS_CHOICES,
                       help=f"ce: full softmax; bce: one sampled negative (the original SASRec); sampled: softmax over "
                            f"--negatives sampled items; auto: ce unless a batch's logits need over 1 GiB (87k films), "
                            f"then sampled (default: {train.loss})")
    for name, kind, help_text in [("epochs", int, "most epochs"), ("batch-size", int, "windows per batch"),
                                  ("lr", float, "AdamW learning rate"), ("weight-decay", float, "AdamW weight decay"),
                                  ("label-smoothing", float, "label smoothing (ce, sampled)"),
                                  ("negatives", int, "negatives per batch (sampled)"),
                                  ("patience", int, "epochs without a better validation NDCG@10 before stopping"),
                                  ("val-users", int, "validation users for early stopping (a fixed sample)"),
                                  ("eval-users", int, ("final metrics on a fixed sample of this many users, for "
                                                       "CPU-only machines on large data sets; None: every user")),
                                  ("epoch-batches", int, "stop each epoch after this many batches; None: all"),
                                  ("seed", int, "random seed"), ("max-len", int, "history length the model reads"),
                                  ("dim", int, "embedding size"), ("heads", int, "attention heads"),
                                  ("layers", int, "transformer blocks"), ("dropout", float, "dropout")]:
        field = name.replace("-", "_")
        default = getattr(train, field) if hasattr(train, field) else getattr(model, field)
        hyper.add_argument(f"--{name}", type=kind, help=f"{help_text} (default: {default})")
    parser.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:1, mps; "
                                                         "several GPUs: torchrun --standalone --nproc_per_node=N "
                                                         "-m lbrec train ...")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--restart", action="store_true", help="ignore the checkpoint and train from scratch")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", action="store_true", help="print config.json's content instead of the folder")


def cmd_evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from lbrec import baselines, paths
    from lbrec.artifacts import load_npy, read_json
    from lbrec.errors import ArtifactError
    from lbrec.evaluate import PROTOCOL, user_sample
    from lbrec.preprocess import Dataset
    from lbrec.train import load_model, scorer

    model_dir = args.model or paths.default_model_dir()
    model = load_model(model_dir, device=args.device)
    config = read_json(model_dir / "config.json")
    dataset = Dataset(args.data or config["dataset_path"])
    if not np.array_equal(load_npy(model_dir / "movie_ids.npy"), dataset.movie_ids):
        raise ArtifactError(f"{model_dir} was trained on another vocabulary than {dataset.path}: pass the data set it "
                            f"was trained on with --data, or train again")
    comparison = baselines.compare(dataset, {"sasrec": scorer(model)}, args.ease_lambda, log=log,
                                   users=user_sample(dataset, args.users))
    report = {**comparison.report(), "model": str(model_dir)}
    models, best = report["models"], report["best_on_validation"]
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{dataset.name}: {report['users']} users; {PROTOCOL}")
    print(f"{'model':<9} {'val NDCG@10':>12} {'test NDCG@10 [95% CI]':>26} {'HR@10':>7} {'Recall@20':>10} "
          f"{'cov@10':>7} {'pop pct':>8}")
    for name, m in models.items():
        lo, hi = m["ci95"]["ndcg@10"]
        print(f"{name:<9} {m['val']['ndcg@10']:>12.4f} {m['ndcg@10']:>10.4f} [{lo:.4f}, {hi:.4f}] {m['hr@10']:>7.4f} "
              f"{m['recall@20']:>10.4f} {m['coverage@10']:>7.3f} {m['popularity_percentile@10']:>8.1f}")
    print(f"best on validation: {best}" + ("" if best == "sasrec" else " (SASRec does not beat it on this data)"))
    for note in report["notes"]:
        print(f"note: {note}")
    return 0


def _evaluate_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else "
                                                   "models/ml-latest-small)")
    parser.add_argument("--data", type=Path, help="prepared data set (default: the one the model was trained on)")
    parser.add_argument("--ease-lambda", type=float, help="EASE regularisation (default: tuned on validation)")
    parser.add_argument("--users", type=int, help="evaluate a fixed random sample of this many users (the same for "
                                                  "every model and both splits): minutes instead of an hour for "
                                                  "ML-32M on a CPU (default: every user)")
    parser.add_argument("--device", default="auto", help="where SASRec scores and ranks: auto (cuda, then mps, then "
                                                         "cpu), cpu, cuda")
    parser.add_argument("--json", action="store_true", help='print {"dataset", "users", "protocol", "models": '
                                                            '{"sasrec", "popular", "itemknn", "ease"}, ...}')


Command = tuple[str, str, Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None]]

COMMANDS: list[Command] = [
    ("download", "download and verify a MovieLens data set from GroupLens", cmd_download, _download_args),
    ("prepare", "filter, threshold, sequence and split ratings into a data set folder", cmd_prepare,
     _prepare_args),
    ("export", "export a trained model to ONNX for serving with onnxruntime", cmd_export, _export_args),
    ("match", "match Letterboxd-style titles to MovieLens movies", cmd_match, _match_args),
    ("recommend", "recommend films from typed titles, a Letterboxd export, RSS feed or profile", cmd_recommend,
     _recommend_args),
    ("app", "serve the recommendation app with Voilà", cmd_app, _app_args),
    ("bench", "time single recommendations: the engine, onnxruntime, PyTorch and the bare product", cmd_bench,
     _bench_args),
    ("train", "train SASRec on a prepared data set (prepared first if missing) into models/<name>", cmd_train,
     _train_args),
    ("evaluate", "SASRec beside most popular, item-kNN and EASE on the model's own split (full ranking)",
     cmd_evaluate, _evaluate_args),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lbrec", description="Letterboxd movie recommendations from a SASRec model trained on MovieLens.")
    parser.add_argument("--version", action="version", version=f"lbrec {lbrec.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary, handler, add_args in COMMANDS:
        command = sub.add_parser(name, help=summary, description=summary)
        add_args(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except LbrecError as exc:
        print(f"lbrec {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"lbrec {args.command}: interrupted", file=sys.stderr)
        return 130
