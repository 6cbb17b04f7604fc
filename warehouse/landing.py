"""Reading the landing folder: which files there are, and their decoded text."""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes

# A file must decode to text where at most this share of characters are control characters.
MAX_CONTROL_SHARE = 0.01
# charset-normalizer's guess is kept only below this chaos (mess) ratio.
MAX_CHAOS = 0.2
# Up to this share of undecodable sequences, a UTF-8 file is repaired rather than re-guessed.
MAX_REPLACED_SHARE = 0.001
_HTML_MARKERS = ("<html", "<!doctype html", "<body", "<head>", "<div", "<p>")

SCAN_SCHEMA = {"source_path": pl.String, "size_bytes": pl.Int64, "mtime_ns": pl.Int64, "problem": pl.String}


@dataclass(frozen=True)
class Decoded:
    """A landing file read once: its hash, size, encoding and text, or why it was rejected."""

    source_path: str
    size_bytes: int
    mtime_ns: int
    sha256: str | None
    encoding: str | None
    text: str | None
    rejection: str | None


def scan_landing(root: Path) -> pl.DataFrame:
    """Every `*.txt` under the landing folder: relative path, size, mtime, or why it is unusable.

    Symbolic links are followed only when they stay inside the landing folder.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"landing folder {root} does not exist or is not a folder")
    real_root = root.resolve()
    rows: list[dict[str, object]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.lower().endswith(".txt"):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            rows.append({"source_path": rel, **_stat(path, real_root)})
    return pl.DataFrame(rows, schema=SCAN_SCHEMA)


def _stat(path: Path, real_root: Path) -> dict[str, object]:
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return {"size_bytes": None, "mtime_ns": None, "problem": "broken symbolic link"}
    if not real.is_relative_to(real_root):
        return {"size_bytes": None, "mtime_ns": None, "problem": "link points outside the landing folder"}
    if not real.is_file():
        return {"size_bytes": None, "mtime_ns": None, "problem": "not a regular file"}
    st = real.stat()
    return {"size_bytes": st.st_size, "mtime_ns": st.st_mtime_ns, "problem": None}


def read_document(root: Path, source_path: str, max_bytes: int) -> Decoded:
    """One landing file read, hashed and decoded; never raises for bad content."""
    path = root / source_path
    try:
        before = path.stat()
        if before.st_size > max_bytes:
            return _rejected(source_path, before, f"file is {before.st_size:,} bytes, over the {max_bytes:,}-byte limit")
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
        after = path.stat()
    except OSError as exc:
        return Decoded(source_path, 0, 0, None, None, None, f"cannot read file: {exc.strerror or exc}")
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        return _rejected(source_path, after, "file changed while it was being read (still being written?)")
    if len(data) > max_bytes:
        return _rejected(source_path, after, f"file grew over the {max_bytes:,}-byte limit while read")
    digest = hashlib.sha256(data).hexdigest()
    encoding, text, problem = decode_text(data)
    if problem:
        return Decoded(source_path, len(data), after.st_mtime_ns, digest, encoding, None, problem)
    return Decoded(source_path, len(data), after.st_mtime_ns, digest, encoding, text, None)


def _rejected(source_path: str, st: os.stat_result, reason: str) -> Decoded:
    return Decoded(source_path, st.st_size, st.st_mtime_ns, None, None, None, reason)


def decode_text(data: bytes) -> tuple[str | None, str | None, str | None]:
    """(encoding, text, rejection reason) for a file's bytes."""
    if not data.strip():
        return None, None, "empty file" if not data else "file holds only whitespace"
    encoding, text = _decode(data)
    if text is None:
        return None, None, "not text: no encoding decodes it (binary file?)"
    if not text.strip():
        return encoding, None, "file holds only whitespace"
    controls = sum(1 for c in text if c < " " and c not in "\n\r\t\f")
    if "\x00" in text or controls > MAX_CONTROL_SHARE * len(text):
        return encoding, None, "not text: binary content (NUL or control bytes)"
    head = text[:2000].lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return encoding, None, "HTML page saved as .txt; save the article text instead"
    return encoding, text, None


def _decode(data: bytes) -> tuple[str | None, str | None]:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return name, data.decode(name)
            except UnicodeDecodeError:
                return None, None
    if b"\x00" in data:
        return None, None
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # A scraper that cut a multi-byte character leaves a few bad bytes in good UTF-8:
    # keep the text, mark the damage with U+FFFD and say so in the encoding.
    repaired = data.decode("utf-8", errors="replace")
    damaged = repaired.count("\ufffd")
    # Valid multi-byte characters around the damage say the file really is UTF-8 (Latin-1
    # text with one "é" has none and goes to the detector instead).
    multibyte = sum(1 for c in repaired if ord(c) > 127) - damaged
    if damaged <= MAX_REPLACED_SHARE * len(repaired) and multibyte >= damaged:
        return f"utf-8 ({damaged} invalid byte sequences replaced)", repaired
    best = from_bytes(data).best()
    if best is None or best.chaos > MAX_CHAOS:
        return None, None
    return best.encoding, str(best)
