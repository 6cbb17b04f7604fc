"""Reading landing files: decoding, rejections, size limit, links and odd names."""

from __future__ import annotations

import os
import tracemalloc
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import landing
from warehouse.landing import decode_text, read_document, scan_landing

MAX_BYTES = 100_000


@pytest.mark.parametrize(
    "name",
    [
        "empty.txt",  # zero bytes: rejected as empty
        "whitespace.txt",  # spaces, tabs and newlines only
        "nul-bytes.txt",  # readable words around NUL bytes: binary
        "picture.txt",  # a real PNG saved under a .txt name
        "archive.txt",  # a real zip archive saved under a .txt name
        "page.txt",  # a whole HTML page saved as .txt: rejected, not stripped
        "oversized.txt",  # one byte over the limit: rejected unread, reason gives the limit
        "vietnamese-cp1258.txt",  # Windows-1258: base letters plus combining tone marks, composed on reading
        "vietnamese-names-cp1258.txt",  # Windows-1258, just two names: too short for charset-normalizer's statistics
        "english-with-names-cp1258.txt",  # Windows-1258, English text with a few Vietnamese names
        "vietnamese-utf16.txt",  # UTF-16 with a byte order mark
        "vietnamese-utf8-bom.txt",  # UTF-8 with a byte order mark, which is not part of the text
        "latin1.txt",  # French, German and Spanish in Latin-1 (charset-normalizer's first guess is cp1250)
        "italian-latin1.txt",  # Latin-1 with "ì" and "ò", which cp1258 would read as tone marks
        "smart-quotes-cp1252.txt",  # Windows-1252 curly quotes and dash, as Word writes them
    ],
)
def test_read_document_decodes_or_rejects(tmp_path: Path, samples: dict, name: str) -> None:
    sample = samples[name]
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / name).write_bytes(sample.data)

    doc = read_document(tmp_path / "landing", name, MAX_BYTES)

    assert doc.source_path == name
    assert doc.size_bytes == len(sample.data)
    if sample.reason is not None:
        assert doc.text is None
        assert doc.rejection is not None and sample.reason in doc.rejection
    else:
        assert doc.rejection is None
        assert doc.text == sample.text
        assert doc.encoding
        assert doc.sha256 is not None


def test_vietnamese_cp1258_is_composed_and_named(tmp_path: Path, samples: dict) -> None:
    (tmp_path / "vi.txt").write_bytes(samples["vietnamese-cp1258.txt"].data)

    doc = read_document(tmp_path, "vi.txt", MAX_BYTES)

    assert doc.encoding == "cp1258"
    assert doc.text is not None
    assert unicodedata.is_normalized("NFC", doc.text)
    assert "Nguyễn Văn Lợi" in doc.text and "Bình Dương" in doc.text


def test_damaged_utf8_is_kept_with_the_damage_marked(tmp_path: Path, samples: dict) -> None:
    data = samples["damaged-utf8.txt"].data
    (tmp_path / "damaged.txt").write_bytes(data)

    doc = read_document(tmp_path, "damaged.txt", MAX_BYTES)

    assert doc.rejection is None
    assert doc.encoding is not None and doc.encoding.startswith("utf-8") and "2 invalid" in doc.encoding
    assert doc.text is not None and doc.text.count("\ufffd") == 2
    assert doc.text == data.decode("utf-8", errors="replace")
    assert "Nguyễn Văn Lợi" in doc.text


def test_latin1_text_with_one_accent_is_not_taken_for_damaged_utf8(tmp_path: Path) -> None:
    text = "The delegation visited the café in Thủ Dầu Một city centre. " * 3
    (tmp_path / "one-accent.txt").write_bytes(text.replace("Thủ Dầu Một", "Thu Dau Mot").encode("latin-1"))

    doc = read_document(tmp_path, "one-accent.txt", MAX_BYTES)

    assert doc.text == text.replace("Thủ Dầu Một", "Thu Dau Mot")


def test_oversized_file_is_rejected_without_being_read(tmp_path: Path) -> None:
    limit = 1_000_000
    with open(tmp_path / "one-line.txt", "wb") as handle:
        handle.truncate(limit * 20)

    tracemalloc.start()
    try:
        doc = read_document(tmp_path, "one-line.txt", limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert doc.rejection is not None and "1,000,000-byte limit" in doc.rejection
    assert doc.size_bytes == limit * 20
    assert peak < limit


def test_file_growing_after_the_size_check_is_read_only_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 1_000
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 10)
    real_read = os.read
    bytes_read = []

    def read_while_growing(fd: int, n: int) -> bytes:
        if not bytes_read:
            # The writer appends 50 times the limit between the reader's size check and its read.
            with open(path, "ab") as writer:
                writer.write(b"y" * limit * 50)
        chunk = real_read(fd, n)
        bytes_read.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "read", read_while_growing)
    doc = read_document(tmp_path, "growing.txt", limit)
    monkeypatch.undo()

    assert bytes_read, "the reader no longer uses os.read: rewrite this test's hook"
    assert sum(bytes_read) <= limit + 1
    assert doc.text is None and doc.rejection is not None
    assert "limit" in doc.rejection or "changed while" in doc.rejection


def test_file_changing_while_read_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "half-written.txt"
    path.write_bytes(b"The first half of an article. " * 100)
    real_read = os.read
    hooked = []

    def read_then_append(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        if not hooked:
            hooked.append(True)
            with open(path, "ab") as writer:
                writer.write(b"The second half, written while the first was read.")
        return chunk

    monkeypatch.setattr(os, "read", read_then_append)
    doc = read_document(tmp_path, "half-written.txt", MAX_BYTES)
    monkeypatch.undo()

    assert hooked, "the reader no longer uses os.read: rewrite this test's hook"
    assert doc.text is None and doc.sha256 is None
    assert doc.rejection is not None and "changed while" in doc.rejection


@pytest.fixture
def linked_landing(tmp_path: Path) -> Path:
    """A landing folder with links inside and out, next to a folder of secrets it must never read."""
    root = tmp_path / "landing"
    (root / "sub").mkdir(parents=True)
    (root / "article.txt").write_text("An article about Bình Dương.\n", encoding="utf-8")
    secrets = tmp_path / "outside"
    secrets.mkdir()
    (secrets / "secret.txt").write_text("SECRET outside the landing folder\n", encoding="utf-8")
    (root / "inside-link.txt").symlink_to(root / "article.txt")
    (root / "sub" / "relative-inside.txt").symlink_to(Path("..") / "article.txt")
    (root / "outside-link.txt").symlink_to(secrets / "secret.txt")
    (root / "dotdot-link.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "broken-link.txt").symlink_to(root / "missing.txt")
    (root / "outside-folder").symlink_to(secrets, target_is_directory=True)
    (root / "folder.txt").mkdir()
    return root


def test_scan_follows_links_only_inside_the_landing_folder(linked_landing: Path) -> None:
    scan = {row["source_path"]: row for row in scan_landing(linked_landing).iter_rows(named=True)}

    assert scan["article.txt"]["problem"] is None
    assert scan["inside-link.txt"]["problem"] is None
    assert scan["sub/relative-inside.txt"]["problem"] is None
    for outside in ("outside-link.txt", "dotdot-link.txt", "passwd.txt"):
        assert scan[outside]["problem"] == "link points outside the landing folder"
        assert scan[outside]["size_bytes"] is None
    assert scan["broken-link.txt"]["problem"] == "broken symbolic link"
    # A linked folder is never descended into, wherever it points.
    assert not any(path.startswith("outside-folder") for path in scan)
    # A folder named like a text file is not a file.
    assert "folder.txt" not in scan or scan["folder.txt"]["problem"] is not None


@pytest.mark.parametrize(
    "source_path",
    [
        "outside-link.txt",  # a link to a file next to the landing folder
        "passwd.txt",  # a link to /etc/passwd
        "../outside/secret.txt",  # a relative path climbing out
        "sub/../../outside/secret.txt",  # climbing out through a sub-folder
        "OUTSIDE_ABSOLUTE",  # an absolute path, which pathlib's `/` would take as is
    ],
)
def test_read_document_never_reads_outside_the_landing_folder(linked_landing: Path, source_path: str) -> None:
    if source_path == "OUTSIDE_ABSOLUTE":
        source_path = str(linked_landing.parent / "outside" / "secret.txt")

    doc = read_document(linked_landing, source_path, MAX_BYTES)

    assert doc.text is None and doc.sha256 is None
    assert doc.rejection is not None and "outside the landing folder" in doc.rejection


def test_link_swapped_to_outside_after_the_scan_is_not_followed(linked_landing: Path) -> None:
    scan = scan_landing(linked_landing)
    assert scan.filter(source_path="inside-link.txt")["problem"].item() is None
    link = linked_landing / "inside-link.txt"
    link.unlink()
    link.symlink_to(linked_landing.parent / "outside" / "secret.txt")

    doc = read_document(linked_landing, "inside-link.txt", MAX_BYTES)

    assert doc.text is None
    assert doc.rejection is not None and "outside" in doc.rejection


def test_links_inside_read_the_target(linked_landing: Path) -> None:
    for path in ("inside-link.txt", "sub/relative-inside.txt"):
        doc = read_document(linked_landing, path, MAX_BYTES)
        assert doc.text == "An article about Bình Dương.\n"


def test_odd_file_names_are_listed_and_read_verbatim(tmp_path: Path, odd_names: list[str]) -> None:
    for i, name in enumerate(odd_names):
        (tmp_path / name).write_text(f"Article {i} about Bình Dương.\n", encoding="utf-8")

    scan = scan_landing(tmp_path)

    assert sorted(scan["source_path"].to_list()) == sorted(odd_names)
    assert scan["problem"].is_null().all()
    for i, name in enumerate(odd_names):
        assert read_document(tmp_path, name, MAX_BYTES).text == f"Article {i} about Bình Dương.\n"
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_file_name_that_is_not_utf8_is_rejected_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A good article.\n", encoding="utf-8")
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"An article with a Latin-1 file name.\n")

    scan = scan_landing(tmp_path)

    rows = {row["source_path"]: row["problem"] for row in scan.iter_rows(named=True)}
    assert rows["good.txt"] is None
    assert "not valid UTF-8" in rows["caf\\xe9.txt"]


def test_only_txt_files_are_listed(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text("An article.\n", encoding="utf-8")
    (tmp_path / "ARTICLE2.TXT").write_text("Another article.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("Not an article.\n", encoding="utf-8")
    (tmp_path / "article.txt.part").write_text("Half an article", encoding="utf-8")

    assert scan_landing(tmp_path)["source_path"].to_list() == ["ARTICLE2.TXT", "article.txt"]


def test_decode_text_is_exposed_for_bytes(samples: dict) -> None:
    encoding, text, problem = landing.decode_text(samples["vietnamese-utf16.txt"].data)

    assert (encoding, problem) == ("utf-16", None)
    assert text == samples["vietnamese-utf16.txt"].text


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(max_codepoint=0x2FF) | st.sampled_from("\x01\x07\x0b\x1b\x1f\t\n\r\x0cđ…"), max_size=80
    )
)
def test_control_characters_counted_on_utf8_bytes_as_on_the_text(text: str) -> None:
    # UTF-8 files are checked on their bytes; every other encoding on the decoded text.
    data = text.encode("utf-8")
    assert len(data) - len(data.translate(None, landing._CONTROL_BYTES)) == len(landing._CONTROLS.findall(text))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_text_full_of_control_characters_is_rejected_in_any_encoding(encoding: str) -> None:
    data = ("Binh Duong \x1b[0m\x07 " * 50).encode(encoding)
    assert decode_text(data)[2] == "not text: binary content (NUL or control bytes)"
