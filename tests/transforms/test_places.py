"""Tests of place mentions at every level, the place an article is about, and the subjects of figures."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.articles import publication_dates
from transforms.clean import classify_lines, split_lines
from transforms.place_index import fold
from transforms.places import article_places, assign_subjects, find_places
from transforms.quantities import find_quantities
from transforms.segment import split_sentences

MENTION_COLUMNS = ["place", "place_id", "place_kind", "place_level"]


@pytest.fixture(scope="module")
def mentions_of(vocab):
    """Place mentions of one text, with the words they cover."""

    def build(text: str) -> pl.LazyFrame:
        lines = classify_lines(split_lines(pl.LazyFrame({"doc_id": ["d"], "text": [text]})), vocab)
        return find_places(split_sentences(lines), publication_dates(lines), vocab)

    return build


def _mentions(sentences_of, mentions_of, text: str) -> pl.DataFrame:
    sentences = sentences_of(text)
    return (
        mentions_of(text)
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The English name of a province.
        (
            "Binh Duong province grew fast.",
            [("Binh Duong province", "Binh Duong", "binh_duong", "province", "province")],
        ),
        # The Vietnamese spelling resolves to the same place, named officially.
        ("Tỉnh Bình Dương phát triển.", [("Bình Dương", "Binh Duong", "binh_duong", "province", "province")]),
        # A city named in both provinces tables, by its old name and its new one, is one place.
        (
            "The central province of Thua Thien-Hue grew.",
            [("Thua Thien-Hue", "Thua Thien Hue", "thua_thien_hue", "city", "province")],
        ),
        # An alias of a centrally-run city.
        ("Investors came from HCMC.", [("HCMC", "Ho Chi Minh City", "ho_chi_minh_city", "city", "province")]),
        # A provincial capital named like its province is that city, a district-level unit of the province.
        (
            "Thai Binh city has 10 wards.",
            [("Thai Binh city", "Thai Binh city", "thai_binh.thai_binh_city", "district", "district")],
        ),
        # The sentence's first word is not part of the name, nor is the comma after it.
        (
            "In Thai Binh city, the area is small.",
            [("Thai Binh city", "Thai Binh city", "thai_binh.thai_binh_city", "district", "district")],
        ),
        # A district one province has resolves with no province named, and gives the article its province.
        (
            "Con Dao district has 16 islands.",
            [("Con Dao district", "Con Dao district", "ba_ria_vung_tau.con_dao_district", "district", "district")],
        ),
        # An island district, written with its two level words.
        (
            "Ly Son island district is small.",
            [("Ly Son island district", "Ly Son district", "quang_ngai.ly_son_district", "district", "district")],
        ),
        # A commune name many provinces share is resolved by the province the article names...
        (
            "Ba Ria - Vung Tau province plans. Long Son commune has 17,767 people.",
            [
                ("Ba Ria - Vung Tau province", "Ba Ria - Vung Tau", "ba_ria_vung_tau", "province", "province"),
                (
                    "Long Son commune",
                    "Long Son commune",
                    "ba_ria_vung_tau.vung_tau_city.long_son_commune",
                    "commune",
                    "commune",
                ),
            ],
        ),
        # ... and stays unresolved, a commune as written, where nothing says which one: never a guess.
        ("Long Son commune has 17,767 people.", [("Long Son commune", "Long Son commune", None, "commune", "commune")]),
        # Numbered wards carry their level word in front; the district named before says which Ward 5.
        (
            "In Tan An city, Ward 5 merged.",
            [
                ("Tan An city", "Tan An city", "long_an.tan_an_city", "district", "district"),
                ("Ward 5", "Ward 5", "long_an.tan_an_city.ward_5", "commune", "commune"),
            ],
        ),
        # An undated article naming districts speaks of the units before 2025: Ben Luc's Tan Buu commune, not a
        # commune of the province Long An merged into.
        (
            "Ben Luc district of Long An. Tan Buu commune grew.",
            [
                ("Ben Luc district", "Ben Luc district", "long_an.ben_luc_district", "district", "district"),
                ("Long An", "Long An", "long_an", "province", "province"),
                (
                    "Tan Buu commune",
                    "Tan Buu commune",
                    "long_an.ben_luc_district.tan_buu_commune",
                    "commune",
                    "commune",
                ),
            ],
        ),
        # Tan An's Ward 2 merged in 2024, before the gazetteer's snapshot: Kien Tuong town's Ward 2 is no match.
        (
            "In Tan An city, Ward 2 merged.",
            [
                ("Tan An city", "Tan An city", "long_an.tan_an_city", "district", "district"),
                ("Ward 2", "Ward 2", None, "commune", "commune"),
            ],
        ),
        # A local place the gazetteer does not hold keeps its level word.
        ("It was held in Ben Da hamlet.", [("Ben Da hamlet", "Ben Da hamlet", None, "other", "local")]),
        # An industrial park is a subject of its own; a province's parks in the plural are not.
        (
            "Long Hau Industrial Park grew.",
            [("Long Hau Industrial Park", "Long Hau Industrial Park", None, "industrial_park", "local")],
        ),
        ("Vinh Phuc Industrial Parks grew.", [("Vinh Phuc", "Vinh Phuc", "vinh_phuc", "province", "province")]),
        # A road is a project; the provinces in its name are part of the name.
        (
            "The Bien Hoa - Vung Tau expressway opened.",
            [("Bien Hoa - Vung Tau expressway", "Bien Hoa - Vung Tau expressway", None, "project", "local")],
        ),
        # "The district" refers back to the last district named.
        (
            "Con Dao district is far. The district has 16 islands.",
            [
                ("Con Dao district", "Con Dao district", "ba_ria_vung_tau.con_dao_district", "district", "district"),
                ("The district", "Con Dao district", "ba_ria_vung_tau.con_dao_district", "district", "district"),
            ],
        ),
        # "The province" of an article naming only a district is the district's province.
        (
            "Con Dao district is far. The province invests.",
            [
                ("Con Dao district", "Con Dao district", "ba_ria_vung_tau.con_dao_district", "district", "district"),
                ("The province", "Ba Ria - Vung Tau", "ba_ria_vung_tau", "province", "province"),
            ],
        ),
        # The country and a region are places too.
        ("Growth nationwide slowed.", [("nationwide", "Vietnam", None, "country", "country")]),
        ("The Mekong Delta grew.", [("Mekong Delta", "Mekong Delta", None, "region", "region")]),
        # A name inside an image's file name is no mention of the place.
        ("Photo The_development_of_Kien_Giang_Province_2020.jpg shows it.", []),
        # A name inside a longer word is none either.
        ("The construction of roads.", []),
        # A lower-case word is no name: "long an" is not Long An.
        ("The meeting was long and busy.", []),
        # No place.
        ("The delegates agreed.", []),
    ],
)
def test_find_places(sentences_of, mentions_of, text: str, expected: list[tuple]) -> None:
    want = pl.DataFrame(expected, schema={c: pl.String for c in ["written", *MENTION_COLUMNS]}, orient="row")
    assert_frame_equal(_mentions(sentences_of, mentions_of, text), want)


def test_a_name_in_brackets_after_another_is_its_parent_not_a_mention(sentences_of, mentions_of) -> None:
    text = "Ba Ria - Vung Tau plans. Long Son commune (Vung Tau city) has 17,767 people."
    written = _mentions(sentences_of, mentions_of, text)["written"].to_list()
    assert written == ["Ba Ria - Vung Tau", "Long Son commune"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Offsets hold: one character for each, diacritics and "đ" folded, hyphens as spaces.
        ("Côn Đảo", "con dao"),
        ("Bà Rịa-Vũng Tàu", "ba ria vung tau"),
        ("HÀ NỘI", "ha noi"),
    ],
)
def test_fold_keeps_one_character_for_each(text: str, expected: str) -> None:
    assert fold(text) == expected
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The most mentioned province.
        ("Hanoi is big. Binh Duong grew. Binh Duong invested.", ("binh_duong", "Binh Duong", "province", "binh_duong")),
        # A tie goes to the place named first.
        ("Hanoi is big. Binh Duong grew.", ("hanoi", "Hanoi", "province", "hanoi")),
        # A district named more often than its province is what the article is about, with its province.
        (
            "Quang Ngai invests. Ly Son district grew. Ly Son district built roads.",
            ("quang_ngai.ly_son_district", "Ly Son district", "district", "quang_ngai"),
        ),
        # A district named once in a province's story is not.
        (
            "Quang Ngai invests. Quang Ngai grew. Ly Son district built roads.",
            ("quang_ngai", "Quang Ngai", "province", "quang_ngai"),
        ),
        # An article naming only a commune of a known district is about that commune, in its province.
        (
            "Dong Ha is a mountain commune in Quan Ba district.",
            ("ha_giang.quan_ba_district.dong_ha_commune", "Dong Ha commune", "commune", "ha_giang"),
        ),
    ],
)
def test_article_places(mentions_of, text: str, expected: tuple[str, str, str, str]) -> None:
    got = article_places(mentions_of(text)).select("place_id", "place", "place_level", "province_id").collect()
    want = pl.DataFrame([expected], schema={c: pl.String for c in got.columns}, orient="row")
    assert_frame_equal(got, want)


@pytest.mark.parametrize(
    ("text", "surface", "subject"),
    [
        # The place named before the figure in its clause.
        (
            "Binh Duong is big; in Hanoi the population is 8 million people.",
            "8 million people",
            ("Hanoi", "hanoi", "province", "clause"),
        ),
        # "The province" refers back to the province named before: a carried subject.
        (
            "Binh Duong grew. The province has 9 districts.",
            "9 districts",
            ("Binh Duong", "binh_duong", "province", "carried"),
        ),
        # A district's figure is the district's, referred to by "the district".
        (
            "Quang Ngai invests. Ly Son district is far. The district covers 10 km2.",
            "10 km2",
            ("Ly Son district", "quang_ngai.ly_son_district", "district", "carried"),
        ),
        # A place opening the sentence, set off by a comma, is its subject across the apposition.
        (
            "Hanoi is big. Thai Binh city, 100km from Hanoi, covers 68 km2.",
            "68 km2",
            ("Thai Binh city", "thai_binh.thai_binh_city", "district", "sentence"),
        ),
        # "in the province of X" places the unit named before it: the unit is the subject.
        (
            "Con Dao district in the province of Ba Ria - Vung Tau covers 76 km2.",
            "76 km2",
            ("Con Dao district", "ba_ria_vung_tau.con_dao_district", "district", "clause"),
        ),
        # A figure with no place before it takes the place its clause names after it with "of".
        (
            "Tan An city merged. Merge the area of 1.39 km2 of Ward 5 into Ward 1.",
            "1.39 km2",
            ("Ward 5", "long_an.tan_an_city.ward_5", "commune", "clause"),
        ),
        # With no place before it, the first place the sentence names after it.
        (
            "Hanoi is big. Over 4.1 million tourists visited Lao Cai province.",
            "Over 4.1 million tourists",
            ("Lao Cai", "lao_cai", "province", "sentence"),
        ),
        # A place brought in by a comparison is not the figure's.
        (
            "Binh Duong grew. Revenue reached 30 billion USD, higher than in Hanoi.",
            "30 billion USD",
            ("Binh Duong", "binh_duong", "province", "article"),
        ),
        # "from" after a figure gives its source, "of the Central Highlands" places it: neither is the subject.
        (
            "Dak Lak grew. The farm lies 40 km from Gia Lai province.",
            "40 km",
            ("Dak Lak", "dak_lak", "province", "article"),
        ),
        # With no place in the sentence, the subject of a figure two sentences up carries over.
        (
            "Hanoi is big. Ho Chi Minh City's GRDP grew 7 %. Its exports rose 11 %.",
            "11 %",
            ("Ho Chi Minh City", "ho_chi_minh_city", "province", "carried"),
        ),
        # The article's place, where the article names no other place nearby: stated enough to be judged.
        (
            "Binh Duong grew fast. Exports reached 30 billion USD.",
            "30 billion USD",
            ("Binh Duong", "binh_duong", "province", "article"),
        ),
        # A district named near the figure makes the article's province a guess.
        (
            "Binh Duong grew. Binh Duong invested. Di An city is busy. Revenue reached 30 billion USD.",
            "30 billion USD",
            ("Binh Duong", "binh_duong", "province", "guess"),
        ),
        # A count of provinces is the country's, or the region's it names.
        (
            "Binh Duong ranks third of 63 provinces and cities.",
            "63 provinces",
            ("Vietnam", None, "country", "sentence"),
        ),
        (
            "Kien Giang leads the 13 Mekong Delta provinces and cities.",
            "13 Mekong Delta provinces",
            ("Mekong Delta", None, "region", "sentence"),
        ),
        # No place at all: no subject, never an error.
        ("The province has 9 districts.", "9 districts", (None, None, None, None)),
    ],
)
def test_assign_subjects(sentences_of, mentions_of, vocab, text: str, surface: str, subject: tuple) -> None:
    sentences = sentences_of(text)
    mentions = mentions_of(text)
    quantities = find_quantities(sentences, vocab)
    got = (
        assign_subjects(quantities, mentions, article_places(mentions), sentences, vocab)
        .filter(pl.col("surface") == surface)
        .select("subject", "subject_place_id", "subject_level", "subject_source")
        .collect()
    )
    want = pl.DataFrame([subject], schema={c: pl.String for c in got.columns}, orient="row")
    assert_frame_equal(got, want)
