"""lbrec.data.movielens downloads against a real HTTP server on 127.0.0.1: checksums, truncation, 404."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Reply
from lbrec.data.movielens import download, load
from lbrec.errors import ChecksumError, DataError


def small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n" + "1,10,4.0,100\n" * 200)
        archive.writestr("ml-latest-small/movies.csv", "movieId,title,genres\n10,Heat (1995),Crime\n")
        archive.writestr("ml-latest-small/links.csv", "movieId,imdbId,tmdbId\n10,113277,949\n")
        archive.writestr("../evil.txt", "escaped")
    return buffer.getvalue()


def md5_reply(payload: bytes) -> Reply:
    return Reply(body=f"MD5 (ml-latest-small.zip) = {hashlib.md5(payload).hexdigest()}\n".encode())


def test_download_verifies_unpacks_and_caches(tmp_path: Path, fault_server: FaultServer) -> None:
    payload = small_zip()
    fault_server.route("/ml-latest-small.zip", Reply(body=payload))
    fault_server.route("/ml-latest-small.zip.md5", md5_reply(payload))
    folder = download("ml-latest-small", dest=tmp_path, base_url=fault_server.url, progress=False)
    assert folder == tmp_path / "ml-latest-small"
    assert sorted(p.name for p in folder.iterdir()) == ["links.csv", "movies.csv", "ratings.csv"]
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()
    assert not (tmp_path / "ml-latest-small.zip").exists()
    assert len(load("ml-latest-small", data_dir=tmp_path)) == 200
    requests_before = len(fault_server.hits)
    download("ml-latest-small", dest=tmp_path, base_url=fault_server.url, progress=False)
    assert len(fault_server.hits) == requests_before  # cached: no request the second time


def test_download_with_wrong_checksum_is_discarded(tmp_path: Path, fault_server: FaultServer) -> None:
    payload = small_zip()
    fault_server.route("/ml-latest-small.zip", Reply(body=payload))
    fault_server.route("/ml-latest-small.zip.md5", md5_reply(b"something else"))
    with pytest.raises(ChecksumError, match="MD5"):
        download("ml-latest-small", dest=tmp_path, base_url=fault_server.url, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_is_never_used(tmp_path: Path, fault_server: FaultServer) -> None:
    payload = small_zip()
    fault_server.route("/ml-latest-small.zip", Reply(body=payload, truncate_to=len(payload) // 2))
    fault_server.route("/ml-latest-small.zip.md5", md5_reply(payload))
    with pytest.raises(DataError):
        download("ml-latest-small", dest=tmp_path, base_url=fault_server.url, progress=False)
    assert not (tmp_path / "ml-latest-small").exists()
    assert not list(tmp_path.glob("*.zip"))


def test_missing_remote_file_is_a_clear_error(tmp_path: Path, fault_server: FaultServer) -> None:
    with pytest.raises(DataError, match="could not fetch the checksum .*404"):
        download("ml-latest-small", dest=tmp_path, base_url=fault_server.url, progress=False)
    payload = small_zip()
    fault_server.route("/ml-latest-small.zip.md5", md5_reply(payload))
    with pytest.raises(DataError, match="could not download .*404"):
        download("ml-latest-small", dest=tmp_path, base_url=fault_server.url, progress=False)
    assert not (tmp_path / "ml-latest-small").exists()
