"""MovieLens data sets: where they come from, how to fetch and verify them, and how to read them fast.

A data set is found, in order: in an explicit `--ratings FILE`; in `<data_dir>/<name>/` (`--data-dir`, else
`LBREC_DATA_DIR`, else `data/`); else it is downloaded from GroupLens into `data/<name>/`, verified against the MD5
checksum GroupLens publishes beside each zip. A download that fails its checksum is deleted, never used.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from lbrec import paths
from lbrec.archive import inside_entry
from lbrec.artifacts import atomic_dir
from lbrec.errors import ChecksumError, DataError

GROUPLENS_URL = "https://files.grouplens.org/datasets/movielens"


@dataclass(frozen=True)
class DatasetSpec:
    """One GroupLens release: its file names and their format."""

    name: str
    ratings: str = "ratings.csv"
    movies: str = "movies.csv"
    links: str | None = "links.csv"
    description: str = ""


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in [
        DatasetSpec("ml-latest-small", description="100k ratings, 610 users, 9.7k movies (development)"),
        DatasetSpec(
            "ml-1m",
            ratings="ratings.dat",
            movies="movies.dat",
            links=None,
            description="1M ratings, 6k users, 3.7k movies (the SASRec paper's benchmark)",
        ),
        DatasetSpec("ml-25m", description="25M ratings, 162k users, 62k movies"),
        DatasetSpec("ml-32m", description="32M ratings, 200k users, 87k movies (production)"),
    ]
}


def dataset_url(name: str, base_url: str | None = None) -> str:
    base = base_url or os.environ.get("LBREC_MOVIELENS_URL", GROUPLENS_URL)
    return f"{base.rstrip('/')}/{name}.zip"


def spec_for(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise DataError(f"unknown data set {name!r}: choose one of {known}, or pass --ratings FILE") from None


# --------------------------------------------------------------------------------------------------- download


def _published_md5(url: str, timeout: float) -> str:
    import requests

    md5_url = url + ".md5"
    try:
        response = requests.get(md5_url, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise DataError(f"could not fetch the checksum {md5_url} ({exc}); check your connection") from None
    match = re.search(r"\b([0-9a-fA-F]{32})\b", response.text)
    if not match:
        raise DataError(f"{md5_url} does not contain an MD5 checksum")
    return match.group(1).lower()


def download(
    name: str,
    dest: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Download `<name>.zip`, check it against `<name>.zip.md5`, unpack it to `<dest>/<name>/`; return that folder."""
    import pooch
    import requests

    spec = spec_for(name)
    dest = Path(dest) if dest is not None else paths.download_dir()
    target = dest / spec.name
    if (target / spec.ratings).is_file():
        return target
    url = dataset_url(spec.name, base_url)
    md5 = _published_md5(url, timeout)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        zip_path = pooch.retrieve(
            url,
            known_hash=f"md5:{md5}",
            fname=f"{spec.name}.zip",
            path=dest,
            downloader=pooch.HTTPDownloader(progressbar=progress, timeout=timeout),
        )
    except ValueError as exc:  # pooch's hash mismatch; it has already deleted the file
        raise ChecksumError(f"{url} failed its MD5 check and was discarded ({exc}). Try again later.") from None
    except requests.RequestException as exc:
        raise DataError(
            f"could not download {url} ({exc}); check your connection, or put the files in "
            f"{dest / spec.name}/ or set LBREC_DATA_DIR"
        ) from None
    with zipfile.ZipFile(zip_path) as archive, atomic_dir(target) as tmp:
        for info in archive.infolist():
            # GroupLens zips hold one top folder named like the data set: flatten it into the target.
            entry = inside_entry(info.filename)
            parts = entry.split("/") if entry else []
            if len(parts) < 2:
                continue  # a folder, a loose file beside the top folder, or a path out of the archive
            inner = Path(*parts[1:])
            out = tmp / inner
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    Path(zip_path).unlink(missing_ok=True)
    if not (target / spec.ratings).is_file():
        raise DataError(f"{url} did not contain {spec.name}/{spec.ratings}")
    return target


def locate(name: str, data_dir: str | os.PathLike[str] | None = None, allow_download: bool = True) -> Path:
    """The folder holding data set `name`, downloading it when it is nowhere local."""
    spec = spec_for(name)
    root = Path(data_dir) if data_dir is not None else paths.raw_data_dir()
    folder = root / spec.name
    if (folder / spec.ratings).is_file():
        return folder
    if data_dir is not None or not allow_download:
        raise DataError(
            f"{folder / spec.ratings} not found: put the {spec.name} files there, set LBREC_DATA_DIR "
            f"to a folder holding {spec.name}/, or run `python -m lbrec download --dataset {spec.name}`"
        )
    return download(spec.name)


# ------------------------------------------------------------------------------------------------------ read


@dataclass
class Ratings:
    """Ratings as flat NumPy columns in file order, plus the movie metadata when the data set has it."""

    name: str
    user: np.ndarray  # int32 userId
    movie: np.ndarray  # int32 movieId
    rating: np.ndarray  # float32
    timestamp: np.ndarray  # int64 seconds
    movies: pd.DataFrame | None = None  # movieId, title, genres
    links: pd.DataFrame | None = None  # movieId, imdbId, tmdbId
    sources: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.user)


_RATING_COLUMNS = ["userId", "movieId", "rating", "timestamp"]
_RATING_TYPES = {"userId": pa.int32(), "movieId": pa.int32(), "rating": pa.float32(), "timestamp": pa.int64()}


def read_ratings(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a MovieLens ratings file (`userId,movieId,rating,timestamp` CSV, or ml-1m's `::` .dat)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"ratings file {path} not found")
    try:
        if path.suffix == ".dat":
            raw = path.read_bytes().replace(b"::", b",")
            table = pacsv.read_csv(
                io.BytesIO(raw),
                read_options=pacsv.ReadOptions(column_names=_RATING_COLUMNS),
                convert_options=pacsv.ConvertOptions(column_types=_RATING_TYPES),
            )
        else:
            table = pacsv.read_csv(
                path, convert_options=pacsv.ConvertOptions(column_types=_RATING_TYPES, include_columns=_RATING_COLUMNS)
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError) as exc:
        reason = str(exc).splitlines()[0]
        raise DataError(
            f"{path} is not a MovieLens ratings file with columns {','.join(_RATING_COLUMNS)} ({reason})"
        ) from None
    for column in _RATING_COLUMNS:
        if table.column(column).null_count:
            raise DataError(f"{path} has empty values in column {column}")
    columns = {c: table.column(c).to_numpy() for c in _RATING_COLUMNS}
    if len(columns["rating"]) == 0:
        raise DataError(f"{path} holds no ratings")
    if not np.isfinite(columns["rating"]).all():
        raise DataError(f"{path} has ratings that are not finite numbers")
    return columns


def read_movies(path: str | os.PathLike[str]) -> pd.DataFrame:
    path = Path(path)
    try:
        if path.suffix == ".dat":
            lines = path.read_bytes().decode("latin-1").splitlines()
            rows = [line.split("::") for line in lines if line.strip()]
            movies = pd.DataFrame(rows, columns=["movieId", "title", "genres"])
            movies["movieId"] = movies["movieId"].astype("int64")
        else:
            movies = pd.read_csv(path, dtype={"movieId": "int64", "title": str, "genres": str}, keep_default_na=False)
    except FileNotFoundError:
        raise DataError(f"movies file {path} not found") from None
    except (ValueError, KeyError) as exc:
        raise DataError(f"{path} is not a MovieLens movies file (movieId,title,genres): {exc}") from None
    missing = {"movieId", "title", "genres"} - set(movies.columns)
    if missing:
        raise DataError(f"{path} lacks the columns {', '.join(sorted(missing))}")
    return movies[["movieId", "title", "genres"]]


def read_links(path: str | os.PathLike[str]) -> pd.DataFrame:
    path = Path(path)
    try:
        links = pd.read_csv(path, dtype={"movieId": "int64", "imdbId": "Int64", "tmdbId": "Int64"})
    except FileNotFoundError:
        raise DataError(f"links file {path} not found") from None
    except (ValueError, KeyError) as exc:
        raise DataError(f"{path} is not a MovieLens links file (movieId,imdbId,tmdbId): {exc}") from None
    missing = {"movieId", "imdbId", "tmdbId"} - set(links.columns)
    if missing:
        raise DataError(f"{path} lacks the columns {', '.join(sorted(missing))}")
    return links[["movieId", "imdbId", "tmdbId"]]


def load(
    name: str = "ml-latest-small",
    data_dir: str | os.PathLike[str] | None = None,
    ratings: str | os.PathLike[str] | None = None,
    movies: str | os.PathLike[str] | None = None,
    links: str | os.PathLike[str] | None = None,
    allow_download: bool = True,
) -> Ratings:
    """Load a named data set, or any MovieLens-format ratings file (`ratings=`) with optional movies/links."""
    if ratings is not None:
        ratings_path = Path(ratings)
        movies_path = Path(movies) if movies else None
        links_path = Path(links) if links else None
    else:
        spec = spec_for(name)
        folder = locate(name, data_dir, allow_download)
        ratings_path = folder / spec.ratings
        movies_path = Path(movies) if movies else folder / spec.movies
        links_path = Path(links) if links else (folder / spec.links if spec.links else None)
        if links_path is not None and not links_path.is_file():
            links_path = None
    columns = read_ratings(ratings_path)
    sources = {"ratings": str(ratings_path)}
    movies_df = links_df = None
    if movies_path is not None:
        movies_df = read_movies(movies_path)
        sources["movies"] = str(movies_path)
    if links_path is not None:
        links_df = read_links(links_path)
        sources["links"] = str(links_path)
    return Ratings(
        name=name,
        user=columns["userId"],
        movie=columns["movieId"],
        rating=columns["rating"],
        timestamp=columns["timestamp"],
        movies=movies_df,
        links=links_df,
        sources=sources,
    )
