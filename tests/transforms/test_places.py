"""Tests of place mentions, the place an article is about, and the subjects of figures."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.places import article_places, assign_subjects, find_places
from transforms.quantities import find_quantities

MENTION_COLUMNS = ["place", "place_id", "place_kind"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The English name of a province.
        ("Binh Duong province grew fast.", [("Binh Duong", "Binh Duong", "binh_duong", "province")]),
        # The Vietnamese spelling resolves to the same place, named officially.
        ("Tỉnh Bình Dương phát triển.", [("Bình Dương", "Binh Duong", "binh_duong", "province")]),
        # An alias of a city.
        ("Investors came from HCMC.", [("HCMC", "Ho Chi Minh City", "ho_chi_minh_city", "city")]),
        # The longest spelling wins over a shorter alias inside it ("Ho Chi Minh").
        ("Ho Chi Minh City is large.", [("Ho Chi Minh City", "Ho Chi Minh City", "ho_chi_minh_city", "city")]),
        # A provincial capital named like its province is a local unit, not the province,
        # and one mention even though both the gazetteer and the local-name pattern find it.
        ("Thai Binh city has 10 wards.", [("Thai Binh city", "Thai Binh city", None, "district")]),
        # The sentence's first word is not part of the local name, nor is the comma after it.
        ("In Thai Binh city, the area is small.", [("Thai Binh city", "Thai Binh city", None, "district")]),
        # Local names not in the gazetteer.
        ("It was held in Thu Dau Mot City.", [("Thu Dau Mot City", "Thu Dau Mot City", None, "district")]),
        ("It was held in Tan Dinh Ward.", [("Tan Dinh Ward", "Tan Dinh Ward", None, "commune")]),
        # Two places in one sentence, in order.
        (
            "Binh Duong and Hanoi signed.",
            [("Binh Duong", "Binh Duong", "binh_duong", "province"), ("Hanoi", "Hanoi", "hanoi", "city")],
        ),
        # No place.
        ("The delegates agreed.", []),
    ],
)
def test_find_places(sentences_of, vocab, text: str, expected: list[tuple]) -> None:
    sentences = sentences_of(text)
    got = (
        find_places(sentences, vocab)
        .join(sentences.select("doc_id", "sentence_no", "sentence"), on=["doc_id", "sentence_no"])
        .sort("sentence_no", "match_start")
        .select(
            pl.col("sentence")
            .str.slice(pl.col("match_start"), pl.col("match_end") - pl.col("match_start"))
            .alias("written"),
            *MENTION_COLUMNS,
        )
        .collect()
    )
    want = pl.DataFrame(expected, schema={c: pl.String for c in ["written", *MENTION_COLUMNS]}, orient="row")
    assert_frame_equal(got, want)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The most mentioned gazetteer place.
        ("Hanoi is big. Binh Duong grew. Binh Duong invested.", ("binh_duong", "Binh Duong", "province")),
        # A tie goes to the place named first.
        ("Hanoi is big. Binh Duong grew.", ("hanoi", "Hanoi", "city")),
        # Local units do not count: the capital city is not the province.
        ("Thai Binh city grew. Thai Binh city invested. Hanoi is big.", ("hanoi", "Hanoi", "city")),
    ],
)
def test_article_places(sentences_of, vocab, text: str, expected: tuple[str, str, str]) -> None:
    got = article_places(find_places(sentences_of(text), vocab)).collect()
    want = pl.DataFrame(
        {"doc_id": ["d"], "place_id": [expected[0]], "place": [expected[1]], "place_kind": [expected[2]]}
    )
    assert_frame_equal(got, want)


@pytest.mark.parametrize(
    ("text", "surface", "subject"),
    [
        # The place named before the figure in its clause.
        (
            "Binh Duong is big; in Hanoi the population is 8 million people.",
            "8 million people",
            ("Hanoi", "hanoi", "city"),
        ),
        # Without a place in the clause, the article's place.
        ("Binh Duong grew. The province has 9 districts.", "9 districts", ("Binh Duong", "binh_duong", "province")),
        # A place in an earlier clause belongs to that clause.
        (
            "Hanoi is big. Binh Duong grew, Hanoi is old, and it has 9 districts.",
            "9 districts",
            ("Hanoi", "hanoi", "city"),
        ),
        # A place opening the sentence, set off by a comma, is its subject across the apposition.
        (
            "Hanoi is big. Thai Binh city, 100km from Hanoi, covers 68 km2.",
            "68 km2",
            ("Thai Binh city", None, "district"),
        ),
        # A local unit is a subject, without a gazetteer id.
        ("Binh Duong grew. The area of Thai Binh city is 68 km2.", "68 km2", ("Thai Binh city", None, "district")),
        # A count of provinces is the country's, or the region's it names.
        ("Binh Duong ranks third of 63 provinces and cities.", "63 provinces", ("Vietnam", None, "country")),
        (
            "Kien Giang leads the 13 Mekong Delta provinces and cities.",
            "13 Mekong Delta provinces",
            ("Mekong Delta", None, "region"),
        ),
        # No place at all.
        ("The province has 9 districts.", "9 districts", (None, None, None)),
    ],
)
def test_assign_subjects(sentences_of, vocab, text: str, surface: str, subject: tuple) -> None:
    sentences = sentences_of(text)
    mentions = find_places(sentences, vocab)
    quantities = find_quantities(sentences, vocab)
    got = (
        assign_subjects(quantities, mentions, article_places(mentions), sentences, vocab)
        .filter(pl.col("surface") == surface)
        .select("subject", "subject_place_id", "subject_kind")
        .collect()
    )
    want = pl.DataFrame([subject], schema={c: pl.String for c in got.columns}, orient="row")
    assert_frame_equal(got, want)
