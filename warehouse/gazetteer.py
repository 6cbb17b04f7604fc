"""Vietnam's districts and communes, before and after 1 July 2025, from the `vietnamadminunits` package.

    python -m warehouse.gazetteer        # rewrites seeds/reference/admin_units.csv

The package (PyPI `vietnamadminunits`, its SQLite `dataset.db`) carries GSO's 63-province hierarchy
(provinces, 696 districts, 10,035 communes) and the 34-province one of Resolution 202/2025/QH15
(3,321 communes, with their area). Provinces stay in `provinces.csv` and `provinces_2025.csv`, whose
ids the rows here point at.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import sys
import unicodedata
from collections import Counter
from importlib import metadata
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "seeds" / "reference"
COLUMNS = (
    "place_id",
    "name",
    "name_vi",
    "kind",
    "level",
    "parent_place_id",
    "province_place_id",
    "gso_code",
    "valid_from",
    "valid_to",
    "area_km2",
    "merged_into_place_id",
    "source",
)
# Districts and communes of the 63 provinces ended, and the 34 provinces' communes began, on this day.
REORGANISED_ON = "2025-07-01"
# Vietnamese unit types, the English kind newsfacts calls them and the word that ends their id.
_DISTRICT_TYPES = {
    "Huyện": ("district", "district"),
    "Quận": ("urban_district", "district"),
    "Thị xã": ("town", "town"),
    "Thành phố": ("provincial_city", "city"),
}
_COMMUNE_TYPES = {
    "Xã": ("commune", "commune"),
    "Phường": ("ward", "ward"),
    "Thị trấn": ("township", "township"),
    "Đặc khu": ("special_zone", "special_zone"),
}


def fold(text: str) -> str:
    """ASCII, lower case, one space between words: how names are compared."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def english_name(name_vi: str) -> str:
    """The name as the portals write it in English: ASCII, capitalised words ("Côn Đảo" is "Con Dao")."""
    text = name_vi.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip()


def _slug(name_vi: str, word: str) -> str:
    folded = fold(name_vi).replace(" ", "_")
    # "Quận 1" is "district_1", "Phường 12" "ward_12"; named units end in their word ("con_dao_district").
    return f"{word}_{folded}" if folded.isdigit() else f"{folded}_{word}"


def _province_ids(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {fold(r["name_vi"]).replace(" ", ""): r["place_id"] for r in csv.DictReader(handle)}


def _province_id(ids: dict[str, str], short_name: str) -> str:
    key = fold(short_name).replace(" ", "")
    # The package names Hue by its 2025 name; provinces.csv keeps "Thừa Thiên Huế".
    return ids.get(key) or ids[{"hue": "thuathienhue"}.get(key, key)]


def admin_units(database: Path, reference_dir: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    """One row per district and commune of both hierarchies, with parent, validity and the 2025 unit it became."""
    legacy_ids = _province_ids(reference_dir / "provinces.csv")
    ids_2025 = _province_ids(reference_dir / "provinces_2025.csv") | {"hue": "thua_thien_hue"}
    source = f"vietnamadminunits {metadata.version('vietnamadminunits')} (GSO unit codes)"
    rows: list[dict[str, str]] = []
    con = sqlite3.connect(database)
    try:
        districts = con.execute(
            "select distinct provinceShort, districtShort, districtType, districtCode from admin_units_legacy"
        ).fetchall()
        district_ids: dict[str, str] = {}
        # The package's keys ("tinhquangngai", "huyenlyson", "xaanvinh") name units in its conversion table.
        keys = {
            f"{p}_{d}_{w or ''}": (code, w_code)
            for p, d, w, code, w_code in con.execute(
                "select distinct provinceKey, districtKey, wardKey, districtCode, wardCode from admin_units_legacy"
            ).fetchall()
        }
        keys_2025 = dict(con.execute("select provinceKey || '_' || wardKey, wardCode from admin_units").fetchall())
        for province, name, kind_vi, code in sorted(districts, key=lambda r: r[3]):
            kind, word = _DISTRICT_TYPES[kind_vi]
            name = _short(name)
            parent = _province_id(legacy_ids, province)
            district_ids[code] = f"{parent}.{_slug(name, word)}"
            rows.append(_row(district_ids[code], name, kind, "district", parent, parent, code, "", REORGANISED_ON))
        communes = con.execute(
            "select provinceShort, districtCode, wardShort, wardType, wardCode from admin_units_legacy "
            "where wardCode is not null"
        ).fetchall()
        for province, district, name, kind_vi, code in sorted(communes, key=lambda r: r[4]):
            kind, word = _COMMUNE_TYPES[kind_vi]
            name = _short(name)
            parent = district_ids[district]
            place_id = f"{parent}.{_slug(name, word)}"
            province_id = _province_id(legacy_ids, province)
            rows.append(_row(place_id, name, kind, "commune", parent, province_id, code, "", REORGANISED_ON))
        communes_2025 = con.execute(
            "select provinceShort, wardShort, wardType, wardCode, wardAreaKm2 from admin_units"
        ).fetchall()
        for province, name, kind_vi, code, area in sorted(communes_2025, key=lambda r: r[3]):
            kind, word = _COMMUNE_TYPES[kind_vi]
            name = _short(name)
            parent = _province_id(ids_2025, province)
            place_id = f"{parent}.{_slug(name, word)}.2025"
            rows.append(_row(place_id, name, kind, "commune", parent, parent, code, REORGANISED_ON, "", area))
    finally:
        con.close()
    _link_successors(rows, keys, keys_2025, database.parent / "converter_2025.json")
    counts = Counter(r["place_id"] for r in rows)
    for row in rows:
        row["source"] = source
        # Two names that differ only in their tones ("Phú Thành", "Phú Thạnh") fold to one id.
        if counts[row["place_id"]] > 1:
            row["place_id"] = f"{row['place_id']}.{row['gso_code']}"
    if len({r["place_id"] for r in rows}) != len(rows):
        raise ValueError("place ids are not unique")
    final = {(r["gso_code"], r["level"], bool(r["valid_from"])): r["place_id"] for r in rows}
    for row in rows:
        if row["merged_into_place_id"]:
            row["merged_into_place_id"] = final[(row["merged_into_place_id"], "commune", True)]
    return rows


# The package keeps the type in the short name of numbered units ("Phường 5", "Quận 1"): the name is the number.
_NUMBERED = re.compile(r"^(?:Phường|Quận|Xã|Thị trấn|Huyện)\s+(\d+)$")


def _short(name_vi: str) -> str:
    numbered = _NUMBERED.match(name_vi)
    return numbered.group(1) if numbered else name_vi


def _link_successors(
    rows: list[dict[str, str]], keys: dict[str, tuple[str, str]], keys_2025: dict[str, str], converter: Path
) -> None:
    """Each unit of 2024 taken whole into one commune of 2025 points at it (by GSO code until ids are final).

    The package's conversion table lists, per 2025 commune, the old communes (and island districts) it took
    whole; an old commune split between several new ones (471 of them) has no single successor and stays null.
    """
    table = json.loads(converter.read_text(encoding="utf-8"))
    by_code = {(r["gso_code"], r["level"]): r for r in rows if not r["valid_from"]}
    for province_key, wards in table["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            new_code = keys_2025.get(f"{province_key}_{ward_key}")
            for old_key in old_keys:
                if new_code is None or old_key not in keys:
                    continue
                district_code, ward_code = keys[old_key]
                old = by_code.get((ward_code, "commune")) if ward_code else by_code.get((district_code, "district"))
                if old is not None:
                    old["merged_into_place_id"] = new_code


def _row(
    place_id: str,
    name_vi: str,
    kind: str,
    level: str,
    parent: str,
    province: str,
    code: str,
    valid_from: str,
    valid_to: str,
    area: float | None = None,
) -> dict[str, str]:
    return {
        "place_id": place_id,
        "name": english_name(name_vi),
        "name_vi": name_vi,
        "kind": kind,
        "level": level,
        "parent_place_id": parent,
        "province_place_id": province,
        "gso_code": code,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "area_km2": "" if area is None else f"{area:g}",
        "merged_into_place_id": "",
        "source": "",
    }


def main() -> int:
    """Rewrite seeds/reference/admin_units.csv from the installed package."""
    import vietnamadminunits

    database = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    rows = admin_units(database)
    with open(REFERENCE_DIR / "admin_units.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} units written to {REFERENCE_DIR / 'admin_units.csv'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
