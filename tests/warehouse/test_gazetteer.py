"""The gazetteer of districts and communes: what the pinned package gives, whole and consistent."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from warehouse import gazetteer

REFERENCE = Path(__file__).resolve().parents[2] / "seeds" / "reference"


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def units() -> list[dict[str, str]]:
    return _read(REFERENCE / "admin_units.csv")


def test_the_committed_file_is_what_the_package_gives(units: list[dict[str, str]]) -> None:
    vietnamadminunits = pytest.importorskip("vietnamadminunits")
    database = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    assert gazetteer.admin_units(database) == units


def test_every_unit_has_a_unique_id_and_an_existing_parent(units: list[dict[str, str]]) -> None:
    provinces = {r["place_id"] for r in _read(REFERENCE / "provinces.csv")}
    ids = [r["place_id"] for r in units]
    assert len(ids) == len(set(ids))
    known = provinces | set(ids)
    assert {r["parent_place_id"] for r in units} <= known
    assert {r["province_place_id"] for r in units} <= provinces


@pytest.mark.parametrize(
    ("level", "valid_to", "valid_from", "count"),
    [
        # GSO's 63-province hierarchy as the package holds it: districts and communes that ended on 1 July 2025.
        ("district", "2025-07-01", "", 696),
        ("commune", "2025-07-01", "", 10035),
        # The communes of the 34 provinces of Resolution 202/2025/QH15.
        ("commune", "", "2025-07-01", 3321),
    ],
)
def test_both_hierarchies_are_whole(
    units: list[dict[str, str]], level: str, valid_to: str, valid_from: str, count: int
) -> None:
    matching = [r for r in units if r["level"] == level and r["valid_to"] == valid_to and r["valid_from"] == valid_from]
    assert len(matching) == count


def test_english_names_are_ascii() -> None:
    assert gazetteer.english_name("Côn Đảo") == "Con Dao"


def test_numbered_units_are_named_by_their_number(units: list[dict[str, str]]) -> None:
    ward = next(r for r in units if r["place_id"] == "long_an.tan_an_city.ward_5")
    assert (ward["name"], ward["kind"], ward["parent_place_id"]) == ("5", "ward", "long_an.tan_an_city")


@pytest.mark.parametrize(
    ("place_id", "merged_into"),
    [
        # An island district became a special zone of the province.
        ("quang_ngai.ly_son_district", "quang_ngai.ly_son_special_zone.2025"),
        # Con Dao went with Ba Ria - Vung Tau into Ho Chi Minh City.
        ("ba_ria_vung_tau.con_dao_district", "ho_chi_minh_city.con_dao_special_zone.2025"),
        # A ward of 2024 taken whole into a 2025 ward.
        ("hanoi.ba_dinh_district.truc_bach_ward", "hanoi.ba_dinh_ward.2025"),
    ],
)
def test_units_of_2024_point_at_the_2025_unit_that_took_them(
    units: list[dict[str, str]], place_id: str, merged_into: str
) -> None:
    row = next(r for r in units if r["place_id"] == place_id)
    assert row["merged_into_place_id"] == merged_into
