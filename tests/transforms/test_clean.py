"""Tests of line splitting and of the content/debris classification of lines."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.clean import split_lines

PARAGRAPH = "The province has many achievements in building the Party and the political system."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "\n" line ends: offsets of each line.
        ("ab\ncd", [(0, 0, 2, "ab"), (1, 3, 5, "cd")]),
        # "\r\n" line ends: the "\r" is trimmed and not counted in the line.
        ("ab\r\ncd\r\n", [(0, 0, 2, "ab"), (1, 4, 6, "cd"), (2, 8, 8, "")]),
        # Leading spaces and non-breaking spaces are trimmed; the offset moves past them.
        ("  \u00a0x.jpg \nend", [(0, 3, 8, "x.jpg"), (1, 10, 13, "end")]),
        # Empty lines keep their number so line numbers match the file.
        ("a\n\nb", [(0, 0, 1, "a"), (1, 2, 2, ""), (2, 3, 4, "b")]),
    ],
)
def test_split_lines_offsets(doc, text: str, expected: list[tuple[int, int, int, str]]) -> None:
    got = split_lines(doc(text)).collect()
    want = pl.DataFrame(
        {
            "doc_id": ["d"] * len(expected),
            "line_no": [n for n, _, _, _ in expected],
            "char_start": [s for _, s, _, _ in expected],
            "char_end": [e for _, _, e, _ in expected],
            "line": [line for _, _, _, line in expected],
        },
        schema={
            "doc_id": pl.String,
            "line_no": pl.Int32,
            "char_start": pl.Int64,
            "char_end": pl.Int64,
            "line": pl.String,
        },
    )
    assert_frame_equal(got, want)
    for row in got.iter_rows(named=True):
        assert text[row["char_start"] : row["char_end"]] == row["line"]


def test_split_lines_offsets_are_per_document() -> None:
    # The second document's offsets start at 0, not after the first document.
    docs = pl.LazyFrame({"doc_id": ["a", "b"], "text": ["xx\nyy", "zz"]})
    got = split_lines(docs).collect().select("doc_id", "char_start", "line")
    want = pl.DataFrame({"doc_id": ["a", "a", "b"], "char_start": [0, 3, 0], "line": ["xx", "yy", "zz"]})
    assert_frame_equal(got, want, check_dtypes=False)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # Font-size widget of the portal.
        ("Cỡ chữ: Font size: Giảm (A-) Mặc định (A) Tăng (A+)", "debris"),
        # Image file name left where the picture was (with the portal's leading NBSP).
        ("\u00a0z4803732950284_6ec70a04c3ebe405df78e2f1b2949096 (1).jpg", "debris"),
        # Camera file name with a Vietnamese word in it.
        ("IMG_ông cdp5735.jpg", "debris"),
        # Embedded video file name.
        ("Video: 131123_-_HOP_BCH_DANG_BO_TINH-S1.mp4?_t=", "debris"),
        # SharePoint ribbon left in the export.
        ("Manage PermissionsManage Permissions", "debris"),
        ("Version HistoryVersion History", "debris"),
        # Comment counter and empty source label.
        ("Comment (0)", "debris"),
        ("Source", "debris"),
        # CMS metadata field.
        ("Content Type: Tin Tức Mở Rộng", "debris"),
        # Vietnamese publication lines, with and without a time.
        ("Thứ 5, Ngày 25/05/2023, 15:00", "publication"),
        ("Chủ Nhật, Ngày 22/10/2023, 09:00", "publication"),
        ("Thứ Hai, Ngày 13/11/2023", "publication"),
        # English publication line.
        ("Monday, 13/11/2023 09:30", "publication"),
        # Reporter and translator credits.
        ("Reported by Phuong Chi- Translated by Thanh Tam", "byline"),
        ("News: Dao Quyen", "byline"),
        # Photo captions: a person and a verb without a full stop, or a stock opener.
        ("Prof. Dr. Ta Ngoc Tan – Permanent Vice Chairman of the Council speaks at the Thematic session", "caption"),
        ("Overview of the Seminar", "caption"),
        # A short line without a full stop after the first content line is a heading.
        ("The human factor is important and pivotal", "heading"),
        # A sentence with a full stop is body text.
        (PARAGRAPH, "body"),
        # A blank line (spaces only).
        ("   ", "blank"),
    ],
)
def test_classify_line(lines_of, line: str, kind: str) -> None:
    # The line under test follows a paragraph, so it is never the first content line.
    lines = lines_of(f"{PARAGRAPH}\n{line}").collect()
    assert lines.filter(pl.col("line_no") == 1)["line_kind"].to_list() == [kind]


def test_footer_after_view_counter_is_debris(lines_of) -> None:
    # Everything from the view counter to the end of the file is CMS footer, even lines that
    # look like content (a view count must never become a fact).
    text = f"{PARAGRAPH}\nLượt người xem: \u00a0Views: \u00a0 292\nSome 45 people attended the meeting.\nTóm tắt"
    kinds = lines_of(text).collect()["line_kind"].to_list()
    assert kinds == ["body", "debris", "debris", "debris"]


def test_footer_starts_at_manage_permissions(lines_of) -> None:
    # The SharePoint ribbon also opens the footer when there is no view counter.
    kinds = lines_of(f"{PARAGRAPH}\nManage Permissions\nThe 5 people left.").collect()["line_kind"].to_list()
    assert kinds == ["body", "debris", "debris"]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # A headline before the first paragraph (after the publication line and widget) is the title.
        (
            f"Thứ 5, Ngày 25/05/2023, 15:00\nDiscussing Party development\nCỡ chữ: Font size\n{PARAGRAPH}",
            ["publication", "title", "debris", "body"],
        ),
        # A scrape that lost its headline starts with a paragraph: no title, and a later
        # heading stays a heading.
        (f"{PARAGRAPH}\nThe human factor is important", ["body", "heading"]),
    ],
)
def test_title_is_first_content_line(lines_of, text: str, kinds: list[str]) -> None:
    assert lines_of(text).collect()["line_kind"].to_list() == kinds
