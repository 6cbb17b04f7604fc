"""Fixtures for the warehouse tests: a DuckDB file under tmp_path and a landing folder of hostile input."""

from __future__ import annotations

import os
import shutil
import struct
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from warehouse import db
from warehouse.ingest import ingest_landing

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "raw"
# Small enough that the oversized file stays cheap to write; every seed article is well under it.
MAX_BYTES = 100_000
STATUSES = {"new", "changed", "unchanged", "duplicate", "rejected", "deleted"}

VIETNAMESE = (
    "Ông Nguyễn Văn Lợi, Chủ tịch UBND tỉnh Bình Dương, đã chủ trì hội nghị tổng kết công tác năm 2023 "
    "tại Thủ Dầu Một.\nTổng vốn đầu tư đạt 1.250 tỷ đồng, tăng 12% so với cùng kỳ; bà Trần Thị Hồng "
    "phát biểu ý kiến.\n"
)
LATIN1 = (
    "Le café est à côté de la gare. Les élèves étudient le français à l'école depuis des années.\n"
    "Grüße aus München, sagte Jürgen Müller; señor Núñez llegó a las ocho.\n"
)

NAMES = "Nguyễn Văn Lợi, Bình Dương\n"
ENGLISH_WITH_NAMES = (
    "Mr. Nguyễn Văn Lợi, Chairman of Bình Dương Provincial People's Committee, chaired the meeting on the "
    "2023 budget. The province attracted 1,250 billion VND of investment.\n"
)
# Italian has "ì" and "ò", which are tone marks in cp1258: they follow consonants here ("così", "però").
ITALIAN = "Il caffè è più buono così, però la città è lontana. Perché no?\n"
SMART_QUOTES = "The director said: \u201cInvestment rose 12% \u2013 a record\u201d, at the café.\n"


def cp1258(text: str) -> bytes:
    """`text` as Windows-1258 writes it: a toned vowel becomes a base letter plus a combining tone mark."""
    # Python's codec only maps the code page's own characters, so `"ễ".encode("cp1258")` fails.
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        tones = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
        shape = [m for m in marks if m not in tones]
        out += unicodedata.normalize("NFC", base + "".join(shape)).encode("cp1258") + "".join(tones).encode("cp1258")
    return bytes(out)


def damaged_utf8() -> bytes:
    """Vietnamese UTF-8 with one multi-byte character cut short and one stray byte, far apart."""
    data = (VIETNAMESE * 4).encode("utf-8")
    cut = data.index("ợ".encode()) + 2
    data = data[:cut] + data[cut + 1 :]
    return data[:300] + b"\xff" + data[300:]


def png() -> bytes:
    """A real 1x1 PNG: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def zip_bytes(tmp: Path) -> bytes:
    """A real zip archive holding one text file."""
    (tmp / "inner").mkdir()
    (tmp / "inner" / "article.txt").write_text("Bình Dương " * 50, encoding="utf-8")
    return Path(shutil.make_archive(str(tmp / "archive"), "zip", tmp / "inner")).read_bytes()


@dataclass(frozen=True)
class Sample:
    """A landing file's bytes and what reading it must give: its text, or a word of its rejection reason."""

    data: bytes
    text: str | None = None
    reason: str | None = None


def _samples(tmp: Path) -> dict[str, Sample]:
    return {
        "empty.txt": Sample(b"", reason="empty"),
        "whitespace.txt": Sample(b"  \n\t\r\n   \n", reason="whitespace"),
        "nul-bytes.txt": Sample(b"Province news\x00\x00\x00 with NUL bytes in the middle\n" * 10, reason="not text"),
        "picture.txt": Sample(png(), reason="not text"),
        "archive.txt": Sample(zip_bytes(tmp), reason="not text"),
        "page.txt": Sample(
            b"<!DOCTYPE html>\n<html><head><title>Binh Duong</title></head>\n"
            b"<body><div class='article'><p>The province attracted investment.</p></div></body></html>\n",
            reason="HTML",
        ),
        "oversized.txt": Sample(b"A" * (MAX_BYTES + 1), reason=f"{MAX_BYTES:,}-byte limit"),
        "vietnamese-cp1258.txt": Sample(cp1258(VIETNAMESE), text=VIETNAMESE),
        "vietnamese-utf16.txt": Sample(VIETNAMESE.encode("utf-16"), text=VIETNAMESE),
        "latin1.txt": Sample(LATIN1.encode("latin-1"), text=LATIN1),
        "vietnamese-names-cp1258.txt": Sample(cp1258(NAMES), text=NAMES),
        "english-with-names-cp1258.txt": Sample(cp1258(ENGLISH_WITH_NAMES), text=ENGLISH_WITH_NAMES),
        "italian-latin1.txt": Sample(ITALIAN.encode("latin-1"), text=ITALIAN),
        "smart-quotes-cp1252.txt": Sample(SMART_QUOTES.encode("cp1252"), text=SMART_QUOTES),
        "vietnamese-utf8-bom.txt": Sample(VIETNAMESE.encode("utf-8-sig"), text=VIETNAMESE),
        "damaged-utf8.txt": Sample(damaged_utf8(), text=None),
    }


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Sample]:
    """Hostile and foreign-encoded landing files by name (built under tmp_path/samples)."""
    (tmp_path / "samples").mkdir()
    return _samples(tmp_path / "samples")


# Names that are special to SQL or the shell, or not ASCII; each holds its own good article.
ODD_NAMES = [
    "with spaces in it.txt",
    "Nguyễn Văn Lợi ở Bình Dương.txt",
    "quotes ' and \" here.txt",
    "semi;colon.txt",
    "$(touch pwned) `touch pwned2`.txt",
    "'; drop table raw.documents; --.txt",
]


@pytest.fixture
def odd_names() -> list[str]:
    """File names special to SQL or the shell, or not ASCII."""
    return list(ODD_NAMES)


def write(path: Path, data: bytes, *, mtime_ns: int | None = None) -> Path:
    """Write `data` to `path`, optionally with a fixed mtime (so a change is never hidden by a coarse clock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def copy_seeds(landing: Path) -> list[str]:
    """The five seed articles copied (writable) into `landing`; their names."""
    landing.mkdir(parents=True, exist_ok=True)
    names = []
    for seed in sorted(SEEDS.glob("*.txt")):
        write(landing / seed.name, seed.read_bytes())
        names.append(seed.name)
    assert len(names) == 5
    return names


@pytest.fixture
def warehouse_con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a fresh warehouse file with every schema and raw table."""
    con = db.connect(tmp_path / "warehouse.duckdb")
    db.create_schemas(con)
    yield con
    con.close()


class Ingester:
    """Runs ingest on one landing folder with increasing run ids and clock."""

    def __init__(self, con: duckdb.DuckDBPyConnection, landing: Path) -> None:
        self.con = con
        self.landing = landing
        self.runs = 0
        self.now = datetime(2024, 3, 1, 8, 0)

    def __call__(self) -> pl.DataFrame:
        self.runs += 1
        self.now += timedelta(hours=1)
        return ingest_landing(self.con, self.landing, run_id=f"run-{self.runs}", now=self.now, max_bytes=MAX_BYTES)


@pytest.fixture
def ingest(warehouse_con: duckdb.DuckDBPyConnection, tmp_path: Path) -> Ingester:
    """Ingest of `tmp_path/landing` into the test warehouse, one call per run."""
    (tmp_path / "landing").mkdir()
    return Ingester(warehouse_con, tmp_path / "landing")


@pytest.fixture
def raw_snapshot(warehouse_con: duckdb.DuckDBPyConnection) -> Callable[[], dict[str, list[tuple]]]:
    """Every row of every raw table, sorted, to compare states before and after."""

    def snapshot() -> dict[str, list[tuple]]:
        tables = ("documents", "sources", "ingest_log", "runs")
        return {t: sorted(warehouse_con.execute(f"select * from raw.{t}").fetchall(), key=repr) for t in tables}

    return snapshot


@pytest.fixture
def seeds(ingest: Ingester) -> list[str]:
    """The five seed articles copied into the landing folder; their names."""
    return copy_seeds(ingest.landing)


@pytest.fixture
def hostile_landing(
    ingest: Ingester, samples: dict[str, Sample], odd_names: list[str], tmp_path: Path
) -> dict[str, str]:
    """The landing folder holding every hostile input plus the seeds; the status each file must get."""
    root = ingest.landing
    expected = dict.fromkeys(copy_seeds(root), "new")
    for name, sample in samples.items():
        write(root / name, sample.data)
        expected[name] = "rejected" if sample.reason else "new"
    for i, name in enumerate(odd_names):
        write(root / "odd" / name, f"Article {i}: Ông Nguyễn Văn Lợi visited Bình Dương.\n".encode())
        expected[f"odd/{name}"] = "new"
    seed_names = sorted(n for n in expected if n[:3].isdigit())
    # Same content as a seed under another name, directly and through a link inside the folder.
    write(root / "copy of the first seed.txt", (root / seed_names[0]).read_bytes())
    expected["copy of the first seed.txt"] = "duplicate"
    (root / "link-to-second-seed.txt").symlink_to(root / seed_names[1])
    expected["link-to-second-seed.txt"] = "duplicate"
    outside = tmp_path / "outside"
    write(outside / "secret.txt", b"SECRET: never ingest me\n")
    (root / "outside-link.txt").symlink_to(outside / "secret.txt")
    (root / "etc-passwd.txt").symlink_to("/etc/passwd")
    (root / "broken-link.txt").symlink_to(root / "gone.txt")
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    expected |= {"outside-link.txt": "rejected", "etc-passwd.txt": "rejected", "broken-link.txt": "rejected"}
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"An article whose file name is Latin-1.\n")
    expected["caf\\xe9.txt"] = "rejected"
    write(root / "notes.md", b"not a .txt file: not part of the landing data\n")
    return expected


@pytest.fixture
def statuses() -> set[str]:
    """Every status an ingest log row may have."""
    return set(STATUSES)


@pytest.fixture
def write_file() -> Callable[..., Path]:
    """`write(path, data, mtime_ns=None)`."""
    return write
