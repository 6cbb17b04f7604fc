"""The rows of seeds/reference/units.csv that pint's unit registry defines, with dimension and factor to base.

    python -m warehouse.unit_registry      # rewrites the rows noted "pint", keeps the hand-written ones

Transforms read only units.csv; pint is needed to regenerate it, not to run.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

UNITS_CSV = Path(__file__).resolve().parents[1] / "seeds" / "reference" / "units.csv"
COLUMNS = ["surface", "unit", "dimension", "to_base", "base_unit", "position", "note"]
# The base unit of each dimension, as the hand-written rows already use them (km, km2, m3, tons, MW, GWh).
BASES = {
    "length": "km",
    "area": "km2",
    "volume": "m3",
    "mass": "tons",
    "power": "MW",
    "energy": "GWh",
    "speed": "km/h",
    "data": "GB",
    "frequency": "Hz",
    "charge": "mAh",
    "volume_rate": "m3/day",
    "duration": "day",
}
# pint's spelling of those bases.
PINT_BASES = {
    "km": "km",
    "km2": "km**2",
    "m3": "m**3",
    "tons": "metric_ton",
    "MW": "MW",
    "GWh": "GWh",
    "km/h": "km/h",
    "GB": "gigabyte",
    "Hz": "Hz",
    "mAh": "mA*h",
    "m3/day": "m**3/day",
    "day": "day",
}
# Canonical unit -> (pint expression, spellings written after the number). Spellings that are common words
# or letters in news ("in", "g", "W", "C", "F", "l") are left out: "5 in", "5G", "Group C".
UNITS: dict[str, tuple[str, list[str]]] = {
    "mph": ("mile/hour", ["mph", "miles per hour", "miles an hour"]),
    "km/h": ("km/h", ["km/h", "kph", "kmh", "km per hour", "kilometres per hour", "kilometers per hour"]),
    "knot": ("knot", ["knots", "knot"]),
    "m/s": ("m/s", ["m/s", "metres per second", "meters per second"]),
    "inch": ("inch", ["inches", "inch"]),
    "foot": ("foot", ["feet", "foot", "ft"]),
    "yard": ("yard", ["yards", "yard", "yd"]),
    "mile": ("mile", ["miles", "mile"]),
    "nautical_mile": ("nautical_mile", ["nautical miles", "nautical mile"]),
    "cm": ("cm", ["cm", "centimetres", "centimeters"]),
    "mm": ("mm", ["millimetres", "millimeters"]),
    "light_year": ("light_year", ["light-years", "light years", "light-year", "light year"]),
    "square_foot": ("foot**2", ["square feet", "square foot", "sq ft", "sq. ft.", "sq. ft", "sqft", "sf"]),
    "square_mile": ("mile**2", ["square miles", "square mile", "sq mi"]),
    "acre": ("acre", ["acres", "acre"]),
    "litre": ("liter", ["litres", "liters", "litre", "liter"]),
    "gallon": ("gallon", ["gallons", "gallon"]),
    "barrel": ("oil_barrel", ["barrels", "barrel", "bbl"]),
    "cubic_foot": ("foot**3", ["cubic feet"]),
    "barrel/day": ("oil_barrel/day", ["bpd", "b/d", "barrels per day", "barrels a day"]),
    "lb": ("pound", ["lb", "lbs"]),
    "ounce": ("ounce", ["ounces", "oz"]),
    "gram": ("gram", ["grams", "gramme", "grammes"]),
    "mg": ("mg", ["mg", "milligrams"]),
    "Mt": ("megametric_ton", ["Mt"]),
    "kt": ("kilometric_ton", ["kilotonnes", "kilotons"]),
    "TWh": ("TWh", ["TWh"]),
    "kcal": ("kcal", ["kcal", "calories"]),
    "hp": ("hp", ["hp", "horsepower", "bhp"]),
    "W": ("W", ["watts"]),
    "TW": ("TW", ["TW"]),
    "GB": ("gigabyte", ["GB", "gigabytes"]),
    "MB": ("megabyte", ["MB", "megabytes"]),
    "TB": ("terabyte", ["TB", "terabytes"]),
    "Hz": ("Hz", ["Hz", "hertz"]),
    "kHz": ("kHz", ["kHz"]),
    "MHz": ("MHz", ["MHz"]),
    "GHz": ("GHz", ["GHz"]),
    "mAh": ("mA*h", ["mAh"]),
    # Durations and ages (issue 22). "Second" is also an ordinal, so only its plural and abbreviation;
    # "-old" makes an age ("a 23-year-old", "12 years old"). A month is pint's, a year / 12.
    "century": ("century", ["centuries", "century"]),
    # pint's "decade" is a ratio of ten (a logarithmic unit), not ten years.
    "decade": ("10 * year", ["decades", "decade"]),
    "year": ("year", ["years", "year", "yrs", "year-old", "years-old", "years old", "year old"]),
    "month": ("month", ["months", "month", "month-old", "months-old", "months old"]),
    "week": ("week", ["weeks", "week", "week-old", "weeks-old", "weeks old"]),
    "day": ("day", ["days", "day", "day-old", "days-old", "days old"]),
    "hour": ("hour", ["hours", "hour", "hrs"]),
    "minute": ("minute", ["minutes", "minute", "mins"]),
    "second": ("second", ["seconds", "secs"]),
}
# Temperatures are not proportional to a base: their factor is 1 to their own scale.
TEMPERATURES = {
    "celsius": ["°C", "ºC", "degrees Celsius", "degrees C", "C"],
    "fahrenheit": ["°F", "ºF", "degrees Fahrenheit", "degrees F", "F"],
}
# Megapixels have no dimension in pint; a count of pixels.
COUNTS = {"megapixel": ["MP", "megapixels", "megapixel"]}


def pint_rows() -> list[dict[str, str]]:
    """One row per spelling of every unit pint defines here, with its dimension and factor to the base."""
    import pint

    registry = pint.UnitRegistry()
    note = f"pint {pint.__version__}"
    rows = []
    for unit, (expression, spellings) in UNITS.items():
        quantity = registry.Quantity(expression)
        dimension = next(d for d, base in BASES.items() if quantity.is_compatible_with(PINT_BASES[base]))
        base = BASES[dimension]
        factor = quantity.to(PINT_BASES[base]).magnitude
        rows += [
            {"surface": s, "unit": unit, "dimension": dimension, "to_base": f"{factor:.6g}", "base_unit": base}
            | {"position": "after", "note": note}
            for s in spellings
        ]
    for unit, spellings in TEMPERATURES.items():
        rows += [
            {"surface": s, "unit": unit, "dimension": "temperature", "to_base": "1", "base_unit": unit}
            | {"position": "after", "note": f"{note}; a temperature scale, not proportional to another"}
            for s in spellings
        ]
    for unit, spellings in COUNTS.items():
        rows += [
            {"surface": s, "unit": unit, "dimension": "count", "to_base": "1", "base_unit": unit}
            | {"position": "after", "note": f"{note}; a million pixels"}
            for s in spellings
        ]
    return rows


def write_units(path: Path = UNITS_CSV) -> int:
    """units.csv with its pint rows regenerated after the hand-written ones; the number of pint rows."""
    with open(path, encoding="utf-8", newline="") as handle:
        kept = [r for r in csv.DictReader(handle) if not r["note"].startswith("pint ")]
    taken = {r["surface"] for r in kept}
    generated = [r for r in pint_rows() if r["surface"] not in taken]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept + generated)
    return len(generated)


if __name__ == "__main__":
    print(f"{write_units()} rows from pint in {UNITS_CSV}", file=sys.stderr)
