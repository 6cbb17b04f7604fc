"""Tests of person mentions: honorific, name and title as written."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.people import find_people

COLUMNS = ["honorific", "name", "title", "is_title_first"]
SCHEMA = {"honorific": pl.String, "name": pl.String, "title": pl.String, "is_title_first": pl.Boolean}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "Honorific Name - Title" ends at the verb clause ("said that").
        (
            "Mr. Nguyen Van Loi - Secretary of the Provincial Party Committee said that all went well.",
            [("Mr.", "Nguyen Van Loi", "Secretary of the Provincial Party Committee", False)],
        ),
        # A title before the name runs on through its "of ..." phrase, lower-case words included.
        (
            "The plan passed, said Deputy Chairman of the provincial People's Committee Tran Minh Khoa.",
            [(None, "Tran Minh Khoa", "Deputy Chairman of the provincial People's Committee", True)],
        ),
        # Elected to a title.
        (
            "Do Quang Vinh was elected Secretary of the Provincial Party Committee.",
            [(None, "Do Quang Vinh", "Secretary of the Provincial Party Committee", False)],
        ),
        # A given name that is also a place word ("Bay") is a person when an honorific says so.
        (
            "Mr. Phan Huu Bay, Director of the City Statistical Office, answered.",
            [("Mr.", "Phan Huu Bay", "Director of the City Statistical Office", False)],
        ),
        # Surnames of the minority peoples (Ede "Y", Hmong "Giàng").
        (
            "Giàng A Chư, Permanent Deputy Secretary of the Provincial Party Committee, said so.",
            [(None, "Giàng A Chư", "Permanent Deputy Secretary of the Provincial Party Committee", False)],
        ),
        # Comma-separated titles with a lower-case "member" inside, ended by "spoke".
        (
            "Comrade Ngo Dong Hai, member of the Party Central Committee, Secretary of the Provincial Party Committee"
            " spoke at the conference.",
            [
                (
                    "Comrade",
                    "Ngo Dong Hai",
                    "member of the Party Central Committee, Secretary of the Provincial Party Committee",
                    False,
                )
            ],
        ),
        # Run-together honorifics are normalised ("Prof.Dr." is "Prof. Dr."); a caption verb ends the title.
        (
            "Prof.Dr. Ta Ngoc Tan - Permanent Vice Chairman of the Central Theoretical Council delivers a speech",
            [("Prof. Dr.", "Ta Ngoc Tan", "Permanent Vice Chairman of the Central Theoretical Council", False)],
        ),
        # An honorific glued to the name.
        (
            "Assoc. Prof. Dr.Nguyen Quoc Dung - Director of the Academy of Politics Region II presents at the session",
            [("Assoc. Prof. Dr.", "Nguyen Quoc Dung", "Director of the Academy of Politics Region II", False)],
        ),
        # An en dash between name and title.
        (
            "Ms. Ngo Ngoc Diep – Permanent Deputy Secretary of Di An City Party Committee shares at the Seminar",
            [("Ms.", "Ngo Ngoc Diep", "Permanent Deputy Secretary of Di An City Party Committee", False)],
        ),
        # Non-breaking spaces inside the title become plain spaces.
        (
            "Prof. Dr. Ta Ngoc Tan - Vice Chairman of the Party\u00a0Central\u00a0Committee's\u00a0Theoretical Council"
            " speaks at the event",
            [("Prof. Dr.", "Ta Ngoc Tan", "Vice Chairman of the Party Central Committee's Theoretical Council", False)],
        ),
        # Lower-case "comrade" is normalised.
        (
            "Concluding, comrade Ngo Dong Hai, Secretary of the Provincial Party Committee acknowledged the opinions.",
            [("Comrade", "Ngo Dong Hai", "Secretary of the Provincial Party Committee", False)],
        ),
        # "Comrades:" opening a list gives the first person the honorific "Comrade".
        (
            "Comrades: Ngo Dong Hai, Secretary of the Provincial Party Committee; Nguyen Tien Thanh, Chairman of"
            " the Provincial People's Council chaired the conference.",
            [
                ("Comrade", "Ngo Dong Hai", "Secretary of the Provincial Party Committee", False),
                (None, "Nguyen Tien Thanh", "Chairman of the Provincial People's Council", False),
            ],
        ),
        # Title written before the name.
        (
            "Provincial Party Secretary Nguyen Van Loi speaks at the discussion",
            [(None, "Nguyen Van Loi", "Provincial Party Secretary", True)],
        ),
        # An honorific without a title is still a person mention.
        ("Mr. Nguyen Van Loi visited the site.", [("Mr.", "Nguyen Van Loi", None, False)]),
        # Non-Latin letters in the name.
        (
            "Mr. Nguyễn Văn Lợi - Director of the Department of Health spoke.",
            [("Mr.", "Nguyễn Văn Lợi", "Director of the Department of Health", False)],
        ),
    ],
)
def test_find_people(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = find_people(sentences_of(text), vocab).collect().sort("char_start")
    want = pl.DataFrame(expected, schema=SCHEMA, orient="row")
    assert_frame_equal(got.select(COLUMNS), want)
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    "text",
    [
        # A name with neither honorific nor title is not a role mention.
        "Nguyen Van A attended the meeting.",
        # Place and organisation names that start with a surname.
        "The delegation visited Ho Chi Minh City and Le Loi Street.",
        "Mr. Smith visited Ho Chi Minh City Party Committee.",
        # Credits are bylines, not people with roles.
        "Reported by Phuong Chi- Translated by Thanh Tam",
        # "Ha Long Bay" starts with a surname but names a place.
        "Tourists visited Ha Long Bay last year.",
        # A title keyword without a name.
        "The Secretary of the Provincial Party Committee spoke.",
    ],
)
def test_non_people_are_not_extracted(sentences_of, vocab, text: str) -> None:
    assert find_people(sentences_of(text), vocab).collect()["name"].to_list() == []
