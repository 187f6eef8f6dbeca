"""lbrec.data: title parsing, reading MovieLens files, and downloads checked against a local HTTP server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lbrec.data.movielens import load, read_ratings
from lbrec.data.titles import split_title
from lbrec.errors import DataError


@pytest.mark.parametrize(
    ("raw", "title", "year", "alternates"),
    [
        ("Toy Story (1995)", "Toy Story", 1995, ()),
        ("Matrix, The (1999)", "The Matrix", 1999, ()),
        ("Seven (a.k.a. Se7en) (1995)", "Seven", 1995, ("Se7en",)),
        (
            "Spirited Away (Sen to Chihiro no kamikakushi) (2001)",
            "Spirited Away",
            2001,
            ("Sen to Chihiro no kamikakushi",),
        ),
        ("Postman, The (Postino, Il) (1994)", "The Postman", 1994, ("Il Postino",)),
        ("Misérables, Les (1995)", "Les Misérables", 1995, ()),
        ("Auberge espagnole, L' (2002)", "L'Auberge espagnole", 2002, ()),
        ("8 1/2 (8½) (1963)", "8 1/2", 1963, ("8½",)),
        ("WALL·E (2008)", "WALL·E", 2008, ()),
        ("(500) Days of Summer (2009)", "(500) Days of Summer", 2009, ()),
        ("Death Note: Desu nôto (2006–2007)", "Death Note: Desu nôto", 2006, ()),
        ("Babylon 5", "Babylon 5", None, ()),
        ("Ready Player One", "Ready Player One", None, ()),
    ],
)
def test_split_title(raw: str, title: str, year: int | None, alternates: tuple[str, ...]) -> None:
    parts = split_title(raw)
    assert (parts.title, parts.year, parts.alternates) == (title, year, alternates)


def write_movielens(
    folder: Path, ratings: str = "userId,movieId,rating,timestamp\n1,10,4.0,100\n1,20,3.5,90\n2,10,5.0,50\n"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text(ratings)
    (folder / "movies.csv").write_text(
        'movieId,title,genres\n10,"Matrix, The (1999)",Action|Sci-Fi\n20,Heat (1995),Crime\n'
    )
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n10,0133093,603\n20,0113277,\n")
    return folder


def test_load_named_dataset_from_data_dir(tmp_path: Path) -> None:
    write_movielens(tmp_path / "ml-latest-small")
    loaded = load("ml-latest-small", data_dir=tmp_path)
    assert loaded.user.tolist() == [1, 1, 2]
    assert loaded.movie.tolist() == [10, 20, 10]
    assert loaded.rating.dtype == np.float32 and loaded.rating.tolist() == [4.0, 3.5, 5.0]
    assert loaded.timestamp.tolist() == [100, 90, 50]
    assert loaded.movies is not None and loaded.movies["title"].tolist() == ["Matrix, The (1999)", "Heat (1995)"]
    assert loaded.links is not None and loaded.links["tmdbId"].tolist()[0] == 603
    assert loaded.links["tmdbId"].isna().tolist() == [False, True]


def test_load_reads_local_folder_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_movielens(tmp_path / "ml-latest-small")
    monkeypatch.setenv("LBREC_DATA_DIR", str(tmp_path))
    assert len(load("ml-latest-small", allow_download=False)) == 3


def test_load_any_ratings_file(tmp_path: Path) -> None:
    folder = write_movielens(tmp_path / "mine")
    loaded = load(ratings=folder / "ratings.csv")
    assert len(loaded) == 3 and loaded.movies is None
    loaded = load(ratings=folder / "ratings.csv", movies=folder / "movies.csv", links=folder / "links.csv")
    assert loaded.movies is not None and loaded.links is not None


def test_ml1m_dat_format(tmp_path: Path) -> None:
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    (folder / "ratings.dat").write_text("1::1193::5::978300760\n1::661::3::978302109\n")
    (folder / "movies.dat").write_bytes(
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
        "661::James and the Giant Peach (1996)::Animation|Children's\n"
        "3::Misérables, Les (1995)::Drama\n".encode("latin-1")
    )
    loaded = load("ml-1m", data_dir=tmp_path)
    assert loaded.movie.tolist() == [1193, 661] and loaded.rating.tolist() == [5.0, 3.0]
    assert loaded.links is None
    assert loaded.movies is not None and loaded.movies["title"].iloc[2] == "Misérables, Les (1995)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("user,movie,score\n1,2,3\n", "not a MovieLens ratings file"),
        ("userId,movieId,rating,timestamp\n1,2,good,4\n", "not a MovieLens ratings file"),
        ("userId,movieId,rating,timestamp\n", "holds no ratings"),
        ("userId,movieId,rating,timestamp\n1,2,,4\n", "empty values in column rating"),
        ("userId,movieId,rating,timestamp\n1,2,inf,4\n", "not finite"),
    ],
)
def test_malformed_ratings_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message) as info:
        read_ratings(path)
    assert str(path) in str(info.value)


def test_missing_local_data_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load("ml-latest-small", data_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "ml-latest-small" / "ratings.csv") in message and "LBREC_DATA_DIR" in message


def test_unknown_dataset_lists_the_known_ones() -> None:
    with pytest.raises(DataError, match="ml-32m"):
        load("ml-100m")


# ------------------------------------------------------------------------------------------------- downloads
