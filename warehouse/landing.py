"""Reading the landing folder: which files there are, and their decoded text."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes

# A file must decode to text where at most this share of characters are control characters.
MAX_CONTROL_SHARE = 0.01
# charset-normalizer's guess is kept only below this chaos (mess) ratio.
MAX_CHAOS = 0.2
# Up to this share of undecodable sequences, a UTF-8 or UTF-16 file is repaired rather than re-guessed.
MAX_REPLACED_SHARE = 0.01
# Control characters other than tab, line feed, form feed and carriage return.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])
_HTML_MARKERS = ("<html", "<!doctype html", "<body", "<head>", "<div", "<p>")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    # UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Windows-1258 writes most Vietnamese vowels as a base letter followed by one of these tone marks.
_CP1258_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_AFTER_NON_VOWEL = re.compile(f"(?<![aăâeêioôơuưyAĂÂEÊIOÔƠUƯY])[{_CP1258_TONES}]")
_VIETNAMESE_LETTERS = re.compile("[ăơưđĂƠƯĐ]")
# Among nearly as plausible single-byte guesses (chaos within this margin of the best), Western
# European (a superset of Latin-1's printable characters) wins: charset-normalizer otherwise reads
# Latin-1 French or Italian as cp1250 ("à" becomes "ŕ"). Czech or Polish read as cp1252 is far messier.
_PREFERRED_SINGLE_BYTE = ("cp1252", "latin_1")
_PREFERENCE_MARGIN = 0.05
# Runs of non-ASCII bytes; undecodable bytes as `surrogateescape` keeps them; a cut multi-byte UTF-8 sequence.
_HIGH_BYTES = re.compile(b"[\x80-\xff]+")
_UNDECODED_RUN = re.compile("[\udc80-\udcff]+")
_CUT_SEQUENCE = re.compile("[\udcc2-\udcf4][\udc80-\udcbf]+")

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
    """Every `*.txt` under the landing folder: relative path, size, mtime, or why it is unusable."""
    # Symbolic links are followed only when they stay inside the landing folder. A sub-folder that
    # cannot be listed is one row whose path ends in `/`, so its files are not taken for deleted.
    if not root.is_dir():
        raise FileNotFoundError(f"landing folder {root} does not exist or is not a folder")
    real_root = root.resolve()
    rows: list[dict[str, object]] = []

    def unlistable(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        rows.append(
            {
                "source_path": _printable(rel) + "/",
                "size_bytes": None,
                "mtime_ns": None,
                "problem": f"folder cannot be listed: {exc.strerror or exc}",
            }
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        dirnames.sort()
        # os.walk does not descend into linked folders: every folder it lists is inside the landing folder.
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in sorted(filenames):
            if not name.lower().endswith(".txt"):
                continue
            path = os.path.join(dirpath, name)
            rel = prefix + name
            if _printable(rel) != rel:
                rows.append(
                    {
                        "source_path": _printable(rel),
                        "size_bytes": None,
                        "mtime_ns": None,
                        "problem": "file name is not valid UTF-8; rename the file",
                    }
                )
                continue
            rows.append({"source_path": rel, **_stat(path, real_root)})
    return pl.DataFrame(rows, schema=SCAN_SCHEMA).sort("source_path")


def unlistable_folders(scan: pl.DataFrame) -> list[str]:
    """Path prefixes of the folders a scan could not list (`""` when it was the landing folder itself)."""
    folders = scan.filter(pl.col("source_path").str.ends_with("/"))["source_path"].to_list()
    return ["" if folder == "./" else folder for folder in folders]


def _printable(rel: str) -> str:
    # A name that is not UTF-8 reaches Python as lone surrogates, which no string column holds.
    return os.fsencode(rel).decode("utf-8", errors="backslashreplace")


def _stat(path: str, real_root: Path) -> dict[str, object]:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return {"size_bytes": None, "mtime_ns": None, "problem": f"cannot read file: {exc.strerror or exc}"}
    if stat.S_ISREG(st.st_mode):
        # Not a link, in a folder inside the landing folder: nothing to resolve (pathlib's resolve is
        # most of the time of a scan of 16,000 files).
        return {"size_bytes": st.st_size, "mtime_ns": st.st_mtime_ns, "problem": None}
    try:
        real = Path(path).resolve(strict=True)
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
    # Opened by its resolved path with O_NOFOLLOW: never outside the landing folder, never through a
    # link swapped in after the check; at most `max_bytes + 1` bytes are ever read.
    try:
        real = (root / source_path).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return _failed(source_path, f"cannot read file: {getattr(exc, 'strerror', None) or exc}")
    if not real.is_relative_to(root.resolve()):
        return _failed(source_path, "path leads outside the landing folder")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return _failed(source_path, f"cannot read file: {exc.strerror or exc}")
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return _rejected(source_path, before, "not a regular file")
        if before.st_size > max_bytes:
            too_big = f"file is {before.st_size:,} bytes, over the {max_bytes:,}-byte limit"
            return _rejected(source_path, before, too_big)
        data = _read_at_most(fd, max_bytes + 1)
        after = os.fstat(fd)
    except OSError as exc:
        return _failed(source_path, f"cannot read file: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        return _rejected(source_path, after, "file changed while it was being read (still being written?)")
    if len(data) > max_bytes:
        return _rejected(source_path, after, f"file grew over the {max_bytes:,}-byte limit while read")
    digest = hashlib.sha256(data).hexdigest()
    encoding, text, problem = decode_text(data)
    if problem:
        return Decoded(source_path, len(data), after.st_mtime_ns, digest, encoding, None, problem)
    return Decoded(source_path, len(data), after.st_mtime_ns, digest, encoding, text, None)


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _rejected(source_path: str, st: os.stat_result, reason: str) -> Decoded:
    return Decoded(source_path, st.st_size, st.st_mtime_ns, None, None, None, reason)


def _failed(source_path: str, reason: str) -> Decoded:
    return Decoded(source_path, 0, 0, None, None, None, reason)


def decode_text(data: bytes) -> tuple[str | None, str | None, str | None]:
    """(encoding, text, rejection reason) for a file's bytes."""
    if not data.strip():
        return None, None, "empty file" if not data else "file holds only whitespace"
    encoding, text = _decode(data)
    if text is None:
        return None, None, "not text: no encoding decodes it (binary file?)"
    if not text.strip():
        return encoding, None, "file holds only whitespace"
    if encoding == "utf-8":
        # In UTF-8 these characters are single bytes, never part of a multi-byte sequence: counted
        # on the bytes in C, where the regex over the text was a fifth of the read.
        controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    else:
        controls = len(_CONTROLS.findall(text))
    if "\x00" in text or controls > MAX_CONTROL_SHARE * len(text):
        return encoding, None, "not text: binary content (NUL or control bytes)"
    head = text[:2000].lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return encoding, None, "HTML page saved as .txt; save the article text instead"
    return encoding, text, None


def _decode(data: bytes) -> tuple[str | None, str | None]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return name, data.decode(name)
            except UnicodeDecodeError:
                # A UTF-16 file cut mid-character by its writer: keep it when the damage is small.
                repaired = data.decode(name, errors="replace")
                damaged = repaired.count("\ufffd")
                if damaged <= MAX_REPLACED_SHARE * len(repaired):
                    return f"{name} ({damaged} invalid byte sequences replaced)", repaired
                return None, None
    if b"\x00" in data:
        return None, None
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    repaired = _repaired_utf8(data)
    if repaired is not None:
        return repaired
    vietnamese = _cp1258_text(data)
    if vietnamese is not None:
        return "cp1258", vietnamese
    return _guess(data)


def _repaired_utf8(data: bytes) -> tuple[str, str] | None:
    # A scraper that cut a multi-byte character leaves a few bad bytes in good UTF-8: keep the
    # text, mark each invalid sequence with U+FFFD and say so in the encoding. It is UTF-8 when
    # valid multi-byte characters outnumber the damage, or when every damaged run is a cut
    # sequence (Latin-1 text has lone high bytes and no valid multi-byte characters).
    repaired = data.decode("utf-8", errors="replace")
    damaged = repaired.count("\ufffd") - data.count("\ufffd".encode())
    if damaged > MAX_REPLACED_SHARE * len(repaired):
        return None
    multibyte = len(repaired) - len(repaired.encode("ascii", errors="ignore")) - damaged
    if multibyte < damaged and not _only_cut_sequences(data):
        return None
    return f"utf-8 ({damaged} invalid byte sequences replaced)", repaired


def _only_cut_sequences(data: bytes) -> bool:
    for high in _HIGH_BYTES.findall(data):
        escaped = high.decode("utf-8", errors="surrogateescape")
        if not all(_CUT_SEQUENCE.fullmatch(run) for run in _UNDECODED_RUN.findall(escaped)):
            return False
    return True


def _cp1258_text(data: bytes) -> str | None:
    """The text of `data` as Windows-1258 when it reads as Vietnamese, composed (NFC); else None."""
    # charset-normalizer ranks cp1258 among look-alike Western code pages; Vietnamese is recognised
    # by its tone marks, each right after a vowel, plus a second sign (another mark or ă ơ ư đ).
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        return None
    tones = sum(text.count(mark) for mark in _CP1258_TONES)
    if tones == 0 or _TONE_AFTER_NON_VOWEL.search(text):
        return None
    if tones < 2 and not _VIETNAMESE_LETTERS.search(text):
        return None
    return unicodedata.normalize("NFC", text)


def _guess(data: bytes) -> tuple[str | None, str | None]:
    matches = list(from_bytes(data))
    if not matches:
        return None, None
    best = min(matches, key=lambda match: match.chaos)
    if best.chaos > MAX_CHAOS:
        return None, None
    close = [match for match in matches if match.chaos <= best.chaos + _PREFERENCE_MARGIN]
    for name in _PREFERRED_SINGLE_BYTE:
        if any(name in match.could_be_from_charset for match in close):
            try:
                return name, data.decode(name)
            except UnicodeDecodeError:
                continue
    return best.encoding, str(best)
