"""Key suites of the marts without check tables of their own: pass on good rows, fail on a planted bad one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.suites import KEYED_MARTS, catalog, key_checks
from tests.conftest import REFERENCE
from warehouse import db, models, quality_io


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A warehouse whose marts hold one article with a person, a role, a reference and an event."""
    path = tmp_path / "w.duckdb"
    with db.session(path) as con:
        db.create_schemas(con)
        models.load_reference(con, REFERENCE)
        models.build_marts(con)
        for mart, row in {
            "dim_articles": "'a1' as article_id",
            "dim_people": "'p1' as person_id",
            "fct_person_roles": "'r1' as role_id, 'p1' as person_id, 'a1' as article_id",
            "fct_document_refs": "'d1' as ref_id, 'a1' as article_id",
            "fct_events": "'e1' as event_id, 'a1' as article_id",
        }.items():
            con.execute(f"insert into marts.{mart} by name select {row}")
    return path


def _failures(path: Path) -> set[str]:
    from expectations.runner import run_checks

    checks = key_checks()
    with db.session(path) as con:
        quality_io.build_check_tables(con, [])
        frames = quality_io.check_frames(con, catalog(checks))
    validation = run_checks({"chk_keys": frames["chk_keys"]}, checks)
    return set(validation.results.filter(~validation.results["success"])["expectation"])


def test_every_mart_without_its_own_check_table_has_a_key_suite() -> None:
    suites = {check.suite for check in key_checks()}
    assert suites == set(KEYED_MARTS)


def test_good_rows_pass(built: Path) -> None:
    assert _failures(built) == set()


@pytest.mark.parametrize(
    ("plant", "failing"),
    [
        # The same person twice.
        ("insert into marts.dim_people by name select 'p1' as person_id", "dim_people key is unique"),
        # A role of a person dim_people does not hold.
        (
            "insert into marts.fct_person_roles by name select 'r2' as role_id, 'p9' as person_id, 'a1' as article_id",
            "fct_person_roles rows belong to a person",
        ),
        # An event of an article that is gone.
        (
            "insert into marts.fct_events by name select 'e2' as event_id, 'a9' as article_id",
            "fct_events rows belong to an article",
        ),
        # A reference without a key.
        (
            "insert into marts.fct_document_refs by name select null as ref_id, 'a1' as article_id",
            "fct_document_refs key is present",
        ),
    ],
)
def test_a_planted_bad_row_fails_its_suite(built: Path, plant: str, failing: str) -> None:
    con = duckdb.connect(str(built))
    con.execute(plant)
    con.close()
    assert _failures(built) == {failing}
