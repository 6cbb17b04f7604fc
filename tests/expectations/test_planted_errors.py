"""Errors planted into copies of the seed articles are flagged by the right rule; untouched facts stay ok."""

import shutil

import duckdb
import polars as pl
import pytest

from tests.conftest import SEEDS

# (file, original text, planted text, planted surface, rule, words the note must contain)
PLANTS = [
    # A unit slip in an area: hectares where km2 was meant.
    (
        "004_42d8dd3442e57b83.txt",
        "Binh Duong has a favorable area in terms of economic geography",
        "The natural area of Binh Duong is 2,694 ha. Binh Duong has a favorable area in terms of economic geography",
        "2,694 ha",
        "magnitude",
        ["not a possible area", "km2"],
    ),
    # A population off by a factor of 1,000.
    (
        "001_56a80109ba288b84.txt",
        "Binh Thuan province has also set several key targets",
        "The population of Binh Thuan province is 1,259 people. Binh Thuan province has also set several key targets",
        "1,259 people",
        "magnitude",
        ["not a possible population", "factor of 1,000"],
    ),
    # A share above 100 %.
    (
        "001_56a80109ba288b84.txt",
        "over 85% of Party members",
        "over 185% of Party members",
        "over 185%",
        "shares",
        ["outside 0 to 100"],
    ),
    # Parts that do not add up to their total (10 + 151 + 224 != 375).
    (
        "000_750f2edc30187d49.txt",
        "and 214 people of university level",
        "and 224 people of university level",
        "375 people",
        "parts",
        ["10 doctors + 151 masters + 224 people", "not to the total 375 people"],
    ),
]
# Population and area each possible for a province, but 8.75 people per km2 together.
DENSITY_ARTICLE = (
    "Lai Chau province at a glance\n"
    "The natural area of Lai Chau province is 24,000 km2 and its population is 210,000 people.\n"
)
# A second article giving Thai Binh's 2023 economic scale (68,358 billion VND in 003) differently.
CONFLICTING_ARTICLE = (
    "Thai Binh province reviews its economy\n"
    "The economic scale of Thai Binh province in 2023 is estimated to reach 75,000 billion VND.\n"
)


@pytest.fixture(scope="module")
def planted(prefect_api, tmp_path_factory):
    from flows.pipeline import newsfacts_pipeline

    root = tmp_path_factory.mktemp("planted")
    landing = root / "landing"
    shutil.copytree(SEEDS, landing)
    for name, original, replacement, *_ in PLANTS:
        path = landing / name
        text = path.read_text(encoding="utf-8")
        assert original in text, f"seed text changed: {original!r} not in {name}"
        path.write_text(text.replace(original, replacement, 1), encoding="utf-8")
    # A document dated after the article that cites it (published 25/05/2023).
    path = landing / "002_20242fb28684d17e.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("dated April 22, 2021", "dated April 22, 2024"), encoding="utf-8"
    )
    (landing / "005_conflict.txt").write_text(CONFLICTING_ARTICLE, encoding="utf-8")
    (landing / "006_density.txt").write_text(DENSITY_ARTICLE, encoding="utf-8")
    warehouse = root / "newsfacts.duckdb"
    newsfacts_pipeline(source=landing, warehouse=warehouse, publish_dir=root / "published")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        facts = con.sql(
            "select fact_id, surface, quality_status, quality_note, suggested_value, suggested_unit "
            "from marts.fct_quantities"
        ).pl()
        flags = con.sql("select * from quality.dq_row_flags").pl()
        refs = con.sql("select ref_id, surface from marts.fct_document_refs").pl()
        articles = con.sql("select article_id, source_path from marts.dim_articles").pl()
    finally:
        con.close()
    return facts, flags, refs, articles


@pytest.mark.parametrize(
    ("name", "original", "replacement", "surface", "rule", "words"),
    PLANTS,
    ids=["area-unit-slip", "population-factor-1000", "share-over-100", "parts-total"],
)
def test_planted_fact_is_flagged(planted, name, original, replacement, surface, rule, words):
    facts, flags, _, _ = planted
    fact = facts.filter(pl.col("surface") == surface)
    assert fact.height == 1, f"{surface} was not extracted"
    row = fact.row(0, named=True)
    assert row["quality_status"] == "implausible"
    # The planted rule fires; a gazetteer comparison may rightly fire too.
    assert rule in set(flags.filter(pl.col("row_key") == row["fact_id"])["rule"])
    for word in words:
        assert word in row["quality_note"]


def test_unit_slip_and_factor_come_with_corrections(planted):
    facts, _, _, _ = planted
    suggestions = {r["surface"]: (r["suggested_value"], r["suggested_unit"]) for r in facts.iter_rows(named=True)}
    assert suggestions["2,694 ha"] == (2694.0, "km2")
    assert suggestions["1,259 people"] == (1_259_000.0, "persons")


def test_document_dated_after_its_article_is_flagged(planted):
    _, flags, refs, _ = planted
    ref_id = refs.filter(pl.col("surface").str.contains("2024"))["ref_id"][0]
    flag = flags.filter(pl.col("row_key") == ref_id)
    assert flag["rule"].to_list() == ["time"]
    assert "after the article was published on 2023-05-25" in flag["message"][0]


def test_untouched_facts_stay_ok(planted):
    facts, _, _, _ = planted
    # The seed's own unit slip is a real error; the two conflicting GRDP figures are flagged on purpose.
    planted_surfaces = {p[3] for p in PLANTS} | {
        "2,717 m2",
        "68,358 billion VND",
        "75,000 billion VND",
        "24,000 km2",
        "210,000 people",
    }
    false_flags = facts.filter(~pl.col("surface").is_in(planted_surfaces) & (pl.col("quality_status") != "ok"))
    assert false_flags.height == 0, false_flags


def test_conflicting_figure_is_flagged_on_both_sides_naming_the_other_article(planted):
    facts, flags, _, articles = planted
    ids = dict(zip(articles["source_path"], articles["article_id"], strict=True))
    for surface, other in (
        ("68,358 billion VND", "005_conflict.txt"),
        ("75,000 billion VND", "003_e632ea0e1a981b2d.txt"),
    ):
        row = facts.filter(pl.col("surface") == surface).row(0, named=True)
        assert row["quality_status"] == "warning"
        assert ids[other] in row["quality_note"]
        assert "conflicts" in set(flags.filter(pl.col("row_key") == row["fact_id"])["rule"])


def test_population_and_area_of_one_article_give_a_possible_density(planted):
    facts, flags, _, _ = planted
    row = facts.filter(pl.col("surface") == "210,000 people").row(0, named=True)
    assert row["quality_status"] == "implausible"
    assert "derived" in set(flags.filter(pl.col("row_key") == row["fact_id"])["rule"])
    assert "over area 24,000 km2 is 8.75 people per km2" in row["quality_note"]
