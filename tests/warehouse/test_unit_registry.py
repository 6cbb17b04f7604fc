"""Tests of the pint rows of seeds/reference/units.csv."""

from __future__ import annotations

import csv

import pytest

from warehouse.unit_registry import UNITS_CSV, pint_rows, write_units

pytest.importorskip("pint")


def test_committed_units_are_what_pint_gives() -> None:
    with open(UNITS_CSV, encoding="utf-8", newline="") as handle:
        committed = {r["surface"]: r for r in csv.DictReader(handle)}
    for row in pint_rows():
        # A hand-written spelling wins over pint's ("mm" was there first).
        if not committed[row["surface"]]["note"].startswith("pint "):
            continue
        assert committed[row["surface"]] == row


def test_regenerating_keeps_hand_rows(tmp_path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("surface,unit,dimension,to_base,base_unit,position,note\nmph,mph,speed,9,km/h,after,hand\n")
    assert write_units(path) == len(pint_rows()) - 1
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows[0]["note"] == "hand" and {r["unit"] for r in rows} >= {"mph", "square_foot", "GHz", "celsius"}
