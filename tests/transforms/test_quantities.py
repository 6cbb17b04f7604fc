"""Tests of numeric fact mentions: parsing, qualifiers, metrics and the non-facts left out."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.quantities import assign_metrics, find_quantities

COLUMNS = ["surface", "value", "value_max", "unit", "per", "qualifier"]


def _quantities(sentences_of, vocab, text: str) -> pl.DataFrame:
    return find_quantities(sentences_of(text), vocab).collect()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A scale word multiplies the number; "estimated" before it sets the qualifier.
        (
            "The GRDP is estimated at 68,358 billion VND, up 8.56%.",
            [
                ("68,358 billion VND", 6.8358e13, None, "VND", None, "estimated"),
                ("8.56%", 8.56, None, "percent", None, "estimated"),
            ],
        ),
        # A scaled decimal count of people.
        (
            "The population of the province is over 2.6 million people.",
            [("over 2.6 million people", 2.6e6, None, "persons", None, "over")],
        ),
        # Currency symbol before the number.
        (
            "Total registered capital reached US$8,720 billion.",
            [("US$8,720 billion", 8.72e12, None, "USD", None, "exact")],
        ),
        # Currency code glued to the number, abbreviated scale.
        ("Revenue was VND24.8bln last year.", [("VND24.8bln", 2.48e10, None, "VND", None, "exact")]),
        # Currency code before the number with a space, scale after it.
        ("It costs VND 1.5 trillion.", [("VND 1.5 trillion", 1.5e12, None, "VND", None, "exact")]),
        # The sentence's full stop after a scale word is not part of the mention.
        ("It attracted $5 million.", [("$5 million", 5e6, None, "USD", None, "exact")]),
        # Qualifiers before the number.
        ("FDI reached more than 37 billion USD.", [("more than 37 billion USD", 3.7e10, None, "USD", None, "over")]),
        ("It is less than 30% of the city.", [("less than 30%", 30.0, None, "percent", None, "under")]),
        ("Admit at least 10% of members.", [("at least 10%", 10.0, None, "percent", None, "at_least")]),
        (
            "There were approximately 10,000 tourists.",
            [("approximately 10,000 tourists", 1e4, None, "persons", None, "about")],
        ),
        # A qualifier that opens the sentence is capitalised.
        ("Nearly 200 households moved.", [("Nearly 200 households", 200.0, None, "count", None, "under")]),
        # A rate per year written with a slash, and with "per" (the word "per" is not a period).
        ("The growth rate is up to 5.6%/year.", [("up to 5.6%/year", 5.6, None, "percent", "year", "under")]),
        ("Growth averaged 7.1% per year.", [("7.1% per year", 7.1, None, "percent", "year", "exact")]),
        # Several per-words.
        (
            "Income reached 170 million VND/person/year.",
            [("170 million VND/person/year", 1.7e8, None, "VND", "person/year", "exact")],
        ),
        (
            "It paid 45 million dong per person per year.",
            [("45 million dong per person per year", 4.5e7, None, "VND", "person/year", "exact")],
        ),
        # Ranges with a hyphen or an en dash give a low and a high value.
        ("Growth of 6-7% is expected.", [("6-7%", 6.0, 7.0, "percent", None, "range")]),
        ("Then 10–12 households joined.", [("10–12 households", 10.0, 12.0, "count", None, "range")]),
        # Scaled ranges scale both ends.
        ("It needs 2 - 3 billion USD.", [("2 - 3 billion USD", 2e9, 3e9, "USD", None, "range")]),
        # Area units, including the superscript ones.
        ("The natural area is 2,717 m2.", [("2,717 m2", 2717.0, None, "m2", None, "exact")]),
        ("The natural area is 2,694.6 km².", [("2,694.6 km²", 2694.6, None, "km2", None, "exact")]),
        ("They planted 120 hectares.", [("120 hectares", 120.0, None, "ha", None, "exact")]),
        # Vietnamese digit grouping: dots for thousands, comma for decimals.
        ("The fund holds 1.000.000,5 đồng.", [("1.000.000,5 đồng", 1000000.5, None, "VND", None, "exact")]),
        # Counts with plural nouns, multi-word and hyphenated.
        ("It has 75 non-state enterprises.", [("75 non-state enterprises", 75.0, None, "count", None, "exact")]),
        (
            "It has 9 district-level administrative units.",
            [("9 district-level administrative units", 9.0, None, "count", None, "exact")],
        ),
        # A counted noun stops at its first plural word.
        ("It has 65 territories and countries investing.", [("65 territories", 65.0, None, "count", None, "exact")]),
        # "grassroots" ends in "s" but is not the counted noun.
        (
            "It has 597 grassroots Party organizations.",
            [("597 grassroots Party organizations", 597.0, None, "count", None, "exact")],
        ),
        # Person nouns give persons; Party members get their own unit.
        ("It has 2,859 officials.", [("2,859 officials", 2859.0, None, "persons", None, "exact")]),
        (
            "It has more than 48,500 party members.",
            [("more than 48,500 party members", 48500.0, None, "party_members", None, "over")],
        ),
        # A ratio.
        ("It is 1.3 times higher.", [("1.3 times", 1.3, None, "times", None, "exact")]),
    ],
)
def test_find_quantities(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text)
    want = pl.DataFrame(expected, schema=got.select(COLUMNS).schema, orient="row")
    assert_frame_equal(got.select(COLUMNS), want, check_row_order=False)
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    "text",
    [
        # A year after "in" is a year, not a count of enterprises.
        "In 2022 enterprises grew faster than before.",
        # Nor is it a count of people before a word unit ("people's").
        "In 2022 people's incomes rose.",
        # Years and year spans on their own.
        "The 2020-2025 term ended in 2025.",
        # Written dates.
        "On May 24, the seminar opened.",
        "The decision of 25/05/2023 applies.",
        # Document numbers.
        "Resolution No. 03-NQ/TU was issued under Decree 15/2021/ND-CP.",
        # Ordinals.
        "The 13th National Party Congress and the 20th Provincial Party Congress.",
        # A duration that names a plan or a term, and a part of a year, are not durations.
        "The five-year socio-economic development plan and the 10-year strategy were approved.",
        "Over the first 6 months of this year, he served a 5-year term.",
        # "A year ago", "twice a day": an article before a duration is no amount.
        "A year ago they met twice a day.",
        # "4.0" is a name, not an amount of technologies.
        "Binh Duong entered the 4.0 technology platforms era.",
        # Group and phase labels.
        "Head of Group 1 chaired; Phase II, by 2050, follows.",
        # A number glued to a word by a hyphen is part of a name.
        "Covid-19 patients were treated.",
        # A bare number without unit or counted noun.
        "The score was 87 out of the total.",
        # A decimal count without a scale word.
        "It has 2.5 schools.",
    ],
)
def test_non_facts_are_not_extracted(sentences_of, vocab, text: str) -> None:
    assert _quantities(sentences_of, vocab, text)["surface"].to_list() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A duration, in digits or words, and joined to its number by a hyphen.
        ("After 25 years of development, the province grew.", [("25 years", 25.0, None, "year", "duration")]),
        (
            "It hit a three-week low on a 10-year bond.",
            [("three-week", 3.0, None, "week", "duration"), ("10-year", 10.0, None, "year", "duration")],
        ),
        # A range of durations is one fact.
        ("Flights were delayed 3-6 hours.", [("3-6 hours", 3.0, 6.0, "hour", "duration")]),
        # "The last 20 years" is a duration; "the first 6 months" of a year is not ("its first 3 months of work" is).
        ("Yields are the lowest in the last 20 years.", [("20 years", 20.0, None, "year", "duration")]),
        ("In its first 3 months of work, it grew.", [("3 months", 3.0, None, "month", "duration")]),
        # Words between the number and its unit ("Earth days").
        ("The planet orbits in 36 Earth days.", [("36 Earth days", 36.0, None, "day", "duration")]),
        # Ages: "-old" after the unit, or "aged" and "the age of" before it.
        ("A 23-year-old man was hurt.", [("23-year-old", 23.0, None, "year", "age")]),
        ("The boy is 12 years old.", [("12 years old", 12.0, None, "year", "age")]),
        ("People under the age of 25 years voted.", [("25 years", 25.0, None, "year", "age")]),
    ],
)
def test_durations_and_ages(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    sentences = sentences_of(text)
    got = assign_metrics(find_quantities(sentences, vocab), sentences, vocab).collect()
    columns = ["surface", "value", "value_max", "unit", "metric"]
    want = pl.DataFrame(expected, schema=got.select(columns).schema, orient="row")
    assert_frame_equal(got.select(columns), want, check_row_order=False)
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A level after a verb of level and "at", "to" or "from", or after a noun that names a level and "of".
        ("The index closed at 1,250.3 on Friday.", [("1,250.3", 1250.3, "count")]),
        (
            "Gains rose 2.1% to 3,410.55 after a high of 3,420.1.",
            [("2.1%", 2.1, "percent"), ("3,410.55", 3410.55, "count"), ("3,420.1", 3420.1, "count")],
        ),
        (
            "Yields reached an average of 1,500 and sales of 40 million.",
            [("1,500", 1500.0, "count"), ("40 million", 4e7, "count")],
        ),
        # People when the cue or the clause says so; an age after "aged".
        ("A crowd of 12,345 watched.", [("12,345", 12345.0, "persons")]),
        ("The number of visitors increased to 98,000.", [("98,000", 98000.0, "persons")]),
        ("A man aged 61 spoke.", [("61", 61.0, "year")]),
        # A bare amount with a scale word, and one listed after money in its currency.
        (
            "Shipments were 52 million units short of 60.5 million.",
            [("52 million units", 5.2e7, "count"), ("60.5 million", 6.05e7, "count")],
        ),
        (
            "It earned USD 3.2 billion in sales and 1.4 billion in exports.",
            [("USD 3.2 billion", 3.2e9, "USD"), ("1.4 billion", 1.4e9, "USD")],
        ),
        # Parts of one amount written largest first are one amount in the smallest part's unit.
        ("She ran it in 2 hours, 3 minutes and 10 seconds.", [("2 hours, 3 minutes and 10 seconds", 7390.0, "second")]),
        ("Jobless numbered 4 million 120 thousand.", [("4 million 120 thousand", 4.12e6, "count")]),
        # A headline's capitalised word unit; words between a number and its unit.
        ("Passenger Numbers Up 6.4 Pct", [("6.4 Pct", 6.4, "percent")]),
        ("He threw for 450 passing yards.", [("450 passing yards", 450.0, "yard")]),
        # A count joined by a hyphen to a singular noun, not a rating; a multiple joined by a hyphen.
        ("They built a 6-lane road and a 300-bed clinic.", [("6-lane", 6.0, "count"), ("300-bed", 300.0, "count")]),
        ("It is a 4-star hotel near a 4,000m-thick wall.", [("4,000m", 4000.0, "m")]),
        ("Sales saw a 12-fold rise.", [("12-fold", 12.0, "times")]),
        # Decimal points of an index or a game are points.
        (
            "The index gained 7.25 points from a 10-point low.",
            [("7.25 points", 7.25, "points"), ("10-point", 10.0, "points")],
        ),
    ],
)
def test_bare_numbers_with_a_meaning(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "unit").rows() == [(s, pytest.approx(v), u) for s, v, u in expected]
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    "text",
    [
        # Names and codes: no word before them gives them a meaning.
        "He bought an iPhone 11 and a Ford F-150 on Route 1A under Decree 15.",
        # A score, a year, an ordinal, a time and a date after a cue.
        "The team won 3-1 and the index closed at 2024 levels, rose to 15th, at 5 p.m., at 11:30 and to 5/6.",
        # A one-letter suffix on a code is no scale.
        "The bridge on Highway 37B opened.",
        # "From 43,421 in 2019 to": a year is no lower end of a range.
        "It rose to 2019 levels.",
    ],
)
def test_bare_numbers_without_a_meaning(sentences_of, vocab, text: str) -> None:
    assert _quantities(sentences_of, vocab, text)["surface"].to_list() == []


@pytest.mark.parametrize(
    "debris",
    [
        # The portal's view counter and everything after it.
        "Lượt người xem: \u00a0Views: \u00a0 292\nSome 45 people read it.",
        "Views: 1,234 visitors",
        # Image file names with digits.
        "IMG_20 people 2023.jpg",
        "z4803732950284_6ec70a04c3ebe405df78e2f1b2949096 (1).jpg",
    ],
)
def test_no_quantities_from_debris(sentences_of, vocab, debris: str) -> None:
    text = f"The province has 5 schools.\n{debris}"
    assert _quantities(sentences_of, vocab, text)["surface"].to_list() == ["5 schools"]


@pytest.mark.parametrize(
    ("text", "surface", "metric"),
    [
        # Money after GRDP.
        ("The GRDP is estimated at 68,358 billion VND.", "68,358 billion VND", "grdp"),
        # Money after FDI.
        ("FDI reached more than 37 billion USD.", "more than 37 billion USD", "fdi"),
        # The longest keyword wins: "population growth rate" is a rate, not a population.
        ("The population growth rate is up to 5.6%/year.", "up to 5.6%/year", "growth_rate"),
        # People after "population".
        ("The population is 679,000 people.", "679,000 people", "population"),
        # Party members are their own metric whatever comes before.
        ("The Party Committee has more than 9,000 Party members.", "more than 9,000 Party members", "party_members"),
        # A count of enterprises.
        ("There are more than 50,000 enterprises.", "more than 50,000 enterprises", "enterprises"),
        # A share after "urbanization rate".
        ("The urbanization rate reached over 84%.", "over 84%", "urbanization_rate"),
        # A ratio takes the metric of the amount it compares.
        ("The economic scale is 1.3 times higher than in 2020.", "1.3 times", "grdp"),
        # The nearest keyword whose dimension fits: money is not a population.
        ("The population is large and FDI is 5 billion USD.", "5 billion USD", "fdi"),
        # A keyword in an earlier clause (after ";") does not reach the figure.
        ("FDI is high; the province has 34 presentations.", "34 presentations", "other"),
        # No keyword at all.
        ("The theme received 34 presentations.", "34 presentations", "other"),
    ],
)
def test_assign_metrics(sentences_of, vocab, text: str, surface: str, metric: str) -> None:
    sentences = sentences_of(text)
    got = assign_metrics(find_quantities(sentences, vocab), sentences, vocab).collect()
    assert got.filter(pl.col("surface") == surface)["metric"].to_list() == [metric]


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        # Vietnamese grouping: dotted thousands and a decimal comma in one number.
        ("The natural area is 2.694,43 square kilometers.", "2.694,43 square kilometers", 2694.43),
        # A decimal comma with two digits cannot be English.
        ("Construction grew by 14,2% this year.", "14,2%", 14.2),
        # One dotted group is thousands in an article that writes decimal commas elsewhere.
        ("Growth was 9,8%. GRDP per capita reaches 3.200 USD.", "3.200 USD", 3200.0),
        # The same group is a decimal point in an article that writes decimal points.
        ("Growth was 9.85%. Output reached 3.200 tons.", "3.200 tons", 3.2),
        # Comma thousands stay thousands even beside a decimal comma ("14,6 billion", "22,500 hectares").
        ("Exports were USD 14,6 billion on 22,500 hectares.", "22,500 hectares", 22500.0),
        # The Vietnamese currency letter glued to the number.
        ("Revenue was over VNĐ118.3 billion.", "over VNĐ118.3 billion", 1.183e11),
        # Area units as the portals abbreviate them.
        ("The park covers 120 sq.km of land.", "120 sq.km", 120.0),
    ],
)
def test_number_formats(sentences_of, vocab, text: str, surface: str, value: float) -> None:
    got = _quantities(sentences_of, vocab, text)
    assert got.filter(pl.col("surface") == surface)["value"].to_list() == [pytest.approx(value)]


@pytest.mark.parametrize(
    ("text", "surface", "metric", "base"),
    [
        # Of a plan: a fulfilment rate, which may pass 100 %.
        ("Budget revenue was 106% of the estimate.", "106%", "plan_fulfilment", "plan"),
        # A change of the economy is growth, said or not against the same period.
        ("GRDP increased by 8.04% over the same period.", "8.04%", "growth_rate", "previous_period"),
        # A change of anything else is a year-on-year change.
        (
            "Retail sales reached VND 84 billion, up 52.4% over the same period.",
            "52.4%",
            "yoy_change",
            "previous_period",
        ),
        # A part of a total.
        ("Services accounted for 45% of GRDP.", "45%", "rate", "total"),
        # A poverty rate is not a generic share: "poor" or "poverty" refines "accounting for" and "rate".
        (
            "The province has 25,426 poor households, accounting for 23.88% of households.",
            "23.88%",
            "poverty_rate",
            "total",
        ),
        ("The national multidimensional poverty (MP) rate was 5.71% last year.", "5.71%", "poverty_rate", None),
        # A narrower cue refines a generic investment keyword.
        ("FDI projects with total registered capital of 2 billion USD.", "2 billion USD", "fdi", None),
        (
            "Domestic projects with total registered capital of 900 billion VND.",
            "900 billion VND",
            "domestic_investment",
            None,
        ),
        # Every item of a list takes the base of its head, however long the list.
        (
            "Agro-forestry-fishery accounting for 45 percent; industry 16.7 percent; and services 38.3 percent.",
            "38.3 percent",
            "rate",
            "total",
        ),
        # Capital that names no investor carries on the FDI of the sentence before.
        (
            "Of this, $5 billion was capital from foreign direct investment (FDI). It included 126 new projects"
            " with registered capital of more than $750 million.",
            "more than $750 million",
            "fdi",
            None,
        ),
        # A multiple named as a change is a change against the period before.
        ("Arrivals saw a 20-fold rise on 2015.", "20-fold", "yoy_change", "previous_period"),
        # A change that names no measure continues the growth listed before it.
        ("GRDP increased by 7.06%; Binh Duong increased by 6.84%.", "6.84%", "growth_rate", "previous_period"),
        # The area of counted things is a land use, not the place's area.
        (
            "The province has six industrial parks with a total area of 3,500 hectares.",
            "3,500 hectares",
            "land_use_area",
            None,
        ),
    ],
)
def test_metric_and_base(sentences_of, vocab, text: str, surface: str, metric: str, base: str | None) -> None:
    sentences = sentences_of(text)
    got = assign_metrics(find_quantities(sentences, vocab), sentences, vocab).collect()
    row = got.filter(pl.col("surface") == surface)
    assert row.select("metric", "base").rows() == [(metric, base)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Numbers in words before a counted noun, with the offsets of the words as written.
        ("Twenty-six projects were licensed.", [("Twenty-six projects", 26.0, "count")]),
        (
            "The province has ten IPs and eight industrial clusters.",
            [("ten IPs", 10.0, "count"), ("eight industrial clusters", 8.0, "count")],
        ),
        # With a scale word and a qualifier.
        ("More than two thousand workers came.", [("More than two thousand workers", 2000.0, "persons")]),
        # A duration in words is a duration; "one of them" names no count.
        ("In two years, one of them grew.", [("two years", 2.0, "year")]),
        # A scale word after digits stays the digits' ("2.6 million"), not a number in words.
        ("It has 2.6 million people.", [("2.6 million people", 2.6e6, "persons")]),
        # "A" before a scale word or a unit is one; "half a" is a half.
        ("They won a million smackeroos.", [("a million smackeroos", 1e6, "count")]),
        ("It had half a million people.", [("half a million people", 5e5, "persons")]),
        ("Rates rose by a percentage point.", [("a percentage point", 1.0, "percentage_points")]),
        # "One" before a unit, but not before a scale word text2num reads whole ("one million").
        ("Growth was one percent.", [("one percent", 1.0, "percent")]),
        # "A dozen" is twelve, "a hundred" a hundred.
        ("It built a dozen schools.", [("a dozen schools", 12.0, "count")]),
        # "One" counts a singular noun that is an item of a list of counts.
        (
            "Units include one city, two county towns, 14 districts.",
            [("one city", 1.0, "count"), ("two county towns", 2.0, "count"), ("14 districts", 14.0, "count")],
        ),
        # A fraction of something is a share of it, a third rounded to two decimals.
        ("It renewed one third of members.", [("one third of members", 33.33, "percent")]),
        ("Half of the households are poor.", [("Half of the households", 50.0, "percent")]),
        # A vague plural with a currency is its lower bound.
        ("Bills remain hundreds of pounds higher.", [("hundreds of pounds", 200.0, "GBP")]),
        # A vague count is not kept ("hundreds of models"); nor is an article before a plain noun.
        ("It makes hundreds of models and a car.", []),
        # "One" with no list of counts, and "one of", are not counts.
        ("One man came; one of them left.", []),
        # Half and third of a period are parts of it, not shares.
        ("He ran the second half of the race in the third quarter.", []),
        # The article after an amount is a rate's denominator, not one unit.
        ("Oil was $82.60 a barrel.", [("$82.60", 82.6, "USD")]),
    ],
)
def test_numbers_in_words(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "unit").rows() == expected
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A one-letter scale glued to an amount in a currency is a million, not metres.
        ("It cost USD10m last year.", [("USD10m", 1e7, "USD")]),
        ("Profits dropped to £9.6m.", [("£9.6m", 9.6e6, "GBP")]),
        # Upper case, and billions written "b".
        ("Revenue hit $13.6M.", [("$13.6M", 1.36e7, "USD")]),
        ("Sales were $4.2b.", [("$4.2b", 4.2e9, "USD")]),
        # The wire and portal abbreviations.
        ("It raised US$12.5mln.", [("US$12.5mln", 1.25e7, "USD")]),
        ("Profit was VND3.2bln.", [("VND3.2bln", 3.2e9, "VND")]),
        ("A £1.5bn rise.", [("£1.5bn", 1.5e9, "GBP")]),
        ("Profit rose to RM4.3bil.", [("RM4.3bil", 4.3e9, "MYR")]),
        ("It holds $2tn of debt.", [("$2tn", 2e12, "USD")]),
        # Spaced scale suffixes.
        ("It raised US$ 12.5 mln.", [("US$ 12.5 mln", 1.25e7, "USD")]),
        # A scale before a unit or a counted noun scales them.
        ("They shipped 1.2m tons of rice.", [("1.2m tons", 1.2e6, "tons")]),
        ("About 27mn households remain.", [("About 27mn households", 2.7e7, "count")]),
        # A currency after the scaled amount.
        ("It borrowed 5m USD.", [("5m USD", 5e6, "USD")]),
        # With nothing to scale, "m" is metres; so after a four-digit number.
        ("It sits 1,761m high.", [("1,761m", 1761.0, "m")]),
        ("A 4,000m-thick stone.", [("4,000m", 4000.0, "m")]),
        # A square metre written with a space.
        ("The pool is 5 m² wide.", [("5 m²", 5.0, "m2")]),
        # A letter after a long number is a name, not a scale.
        ("HD 21749b takes 36 Earth days.", [("36 Earth days", 36.0, "day")]),
    ],
)
def test_scale_suffixes(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "unit").rows() == [(s, pytest.approx(v), u) for s, v, u in expected]
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Symbols before the amount.
        ("It closed at €1.2708.", [("€1.2708", 1.2708, "EUR")]),
        ("It cost ¥300.", [("¥300", 300.0, "JPY")]),
        ("It earned A$5 million.", [("A$5 million", 5e6, "AUD")]),
        ("It earned $US3 billion.", [("$US3 billion", 3e9, "USD")]),
        ("It sold for RM4.40.", [("RM4.40", 4.4, "MYR")]),
        # ISO 4217 codes before or after.
        ("It raised GBP 40 million.", [("GBP 40 million", 4e7, "GBP")]),
        ("It raised 40 million JPY.", [("40 million JPY", 4e7, "JPY")]),
        # Names after the amount.
        ("It fetched 300 yuan.", [("300 yuan", 300.0, "CNY")]),
        ("It cost 2,129 ringgit.", [("2,129 ringgit", 2129.0, "MYR")]),
        ("It cost 222 million euro.", [("222 million euro", 2.22e8, "EUR")]),
        ("It cost 50 rupees.", [("50 rupees", 50.0, "INR")]),
        ("Bills rise by hundreds of 5 pounds.", [("5 pounds", 5.0, "GBP")]),
        # Minor units keep their own unit.
        ("Shares gained 50 cents.", [("50 cents", 50.0, "cents")]),
        ("It rose 25 sen.", [("25 sen", 25.0, "sen")]),
        ("It cost 45p.", [("45p", 45.0, "pence")]),
        # A code inside a word is not a currency; a clock time is not pence.
        ("The FORM 4 was filed.", []),
        ("Meet at 4 p.m. today.", []),
    ],
)
def test_currencies(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "unit").rows() == [(s, pytest.approx(v), u) for s, v, u in expected]
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "from ... to" with the unit on the upper end only.
        ("Growth from 3 to 5 % is expected.", [("3 to 5 %", 3.0, 5.0, "percent")]),
        # A decimal upper end after a hyphen.
        ("The plan is 8-8.3 % this year.", [("8-8.3 %", 8.0, 8.3, "percent")]),
        # "between ... and": the lower end takes the upper end's scale.
        ("They need between 10 and 12 million people.", [("10 and 12 million people", 1e7, 1.2e7, "persons")]),
        # The unit on both ends, with a hyphen or "to".
        ("Rates of 4%-5% apply.", [("4%-5%", 4.0, 5.0, "percent")]),
        ("It is 9% to 12% above average.", [("9% to 12%", 9.0, 12.0, "percent")]),
        # Currency and scale on both ends.
        ("It expects $5.7 billion-$6.5 billion.", [("$5.7 billion-$6.5 billion", 5.7e9, 6.5e9, "USD")]),
        ("Shipments of 195 million-215 million units.", [("195 million-215 million units", 1.95e8, 2.15e8, "count")]),
        ("Output of 6 to 7 million metric tonnes.", [("6 to 7 million metric tonnes", 6e6, 7e6, "tons")]),
        # Where a figure went after a change verb is two figures, and so is "from" with a unit on both ends.
        (
            "The share rose from 24.21% to 35.5%.",
            [("24.21%", 24.21, None, "percent"), ("35.5%", 35.5, None, "percent")],
        ),
        ("Services from 23.33% to 25.2%.", [("23.33%", 23.33, None, "percent"), ("25.2%", 25.2, None, "percent")]),
        ("Profits rose 12% to £40.9m.", [("12%", 12.0, None, "percent"), ("£40.9m", 4.09e7, None, "GBP")]),
        # Different units, or a lower end above the upper one, are no range.
        (
            "It rose 0.2% to 4 tons, from 606 to 546 households.",
            # The first end, a bare number after "rose ... from", is a level of its own.
            [
                ("0.2%", 0.2, None, "percent"),
                ("4 tons", 4.0, None, "tons"),
                ("606", 606.0, None, "count"),
                ("546 households", 546.0, None, "count"),
            ],
        ),
    ],
)
def test_ranges(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "value_max", "unit").rows() == [
        (s, pytest.approx(v), None if m is None else pytest.approx(m), u) for s, v, m, u in expected
    ]
    assert got.filter(pl.col("value_max").is_not_null())["qualifier"].unique().to_list() in ([], ["range"])
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A minus sign glued to the number joins the surface.
        ("Inflation was -1.3 % in May.", [("-1.3 %", -1.3, None)]),
        # A decline verb before the figure, with or without "by" or "of".
        ("The index fell 1.86% on Friday.", [("1.86%", -1.86, None)]),
        ("Output decreased by 1.3 % in May.", [("1.3 %", -1.3, None)]),
        ("Mining stocks were down 3.81%.", [("3.81%", -3.81, None)]),
        ("GDP showed a fall of 0.2% in the quarter.", [("0.2%", -0.2, None)]),
        ("Exports declined by 2 million tons.", [("2 million tons", -2e6, None)]),
        # A comparison after the figure.
        ("It carries a 64% lower risk.", [("64%", -64.0, None)]),
        ("It was 0.4% below its level.", [("0.4%", -0.4, None)]),
        ("They face a £1.5bn cut.", [("£1.5bn", -1.5e9, None)]),
        # A falling range runs from its larger fall to its smaller one.
        ("Prices were down 3-5% today.", [("3-5%", -5.0, -3.0)]),
        # The same fall restated after ", or" in another unit; a qualifier between the verb and the figure.
        ("Shares lost 30 cents, or 1.2%, today.", [("30 cents", -30.0, None), ("1.2%", -1.2, None)]),
        ("It rose 5%, or 2 points.", [("5%", 5.0, None), ("2 points", 2.0, None)]),
        ("They agreed cuts approaching 3 million tons.", [("approaching 3 million tons", -3e6, None)]),
        # Where a fall ends is a level, and a rise stays positive.
        ("Profits dropped to £9.6m.", [("£9.6m", 9.6e6, None)]),
        ("Sales rose 2% and grew by 3 tons.", [("2%", 2.0, None), ("3 tons", 3.0, None)]),
    ],
)
def test_signs(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "value_max").rows() == [
        (s, pytest.approx(v), None if m is None else pytest.approx(m)) for s, v, m in expected
    ]
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Units from pint's registry, glued or spaced, with their canonical names.
        ("Winds of 70mph and 195 km/h hit.", [("70mph", 70.0, "mph"), ("195 km/h", 195.0, "km/h")]),
        (
            "A phone with 4GB, 20MP and 4000mAh.",
            [("4GB", 4.0, "GB"), ("20MP", 20.0, "megapixel"), ("4000mAh", 4000.0, "mAh")],
        ),
        ("A 3.2GHz chip and a 150 hp engine.", [("3.2GHz", 3.2, "GHz"), ("150 hp", 150.0, "hp")]),
        (
            "It covers 2,572 square feet on 3 acres.",
            [("2,572 square feet", 2572.0, "square_foot"), ("3 acres", 3.0, "acre")],
        ),
        ("Gusts reached 40 knots with 12 inches of snow.", [("40 knots", 40.0, "knot"), ("12 inches", 12.0, "inch")]),
        ("He ran 450 yards and 26.2 miles.", [("450 yards", 450.0, "yard"), ("26.2 miles", 26.2, "mile")]),
        # Temperatures, below zero after "minus".
        ("It hit minus 20C (minus 4F).", [("20C", -20.0, "celsius"), ("4F", -4.0, "fahrenheit")]),
        ("It was 35 °C in May.", [("35 °C", 35.0, "celsius")]),
        # Output in barrels a day.
        ("Output is 2 million bpd.", [("2 million bpd", 2e6, "barrel/day")]),
        # A unit joined by a hyphen as an adjective.
        ("From a 40-yard line, a 6-inch screen.", [("40-yard", 40.0, "yard"), ("6-inch", 6.0, "inch")]),
    ],
)
def test_units(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "unit").rows() == [(s, pytest.approx(v), u) for s, v, u in expected]
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A price's denominator after "a", as "per" gives it.
        ("Brent fell to $82.60 a barrel.", [("$82.60", 82.6, "USD", "barrel")]),
        ("A household pays £1,717 a year.", [("£1,717", 1717.0, "GBP", "year")]),
        ("Net income was $1.07 per share.", [("$1.07 per share", 1.07, "USD", "share")]),
        # Past a conversion in brackets, for the amount inside them too.
        (
            "It rose to 2,129 ringgit ($625) a ton.",
            [("2,129 ringgit", 2129.0, "MYR", "ton"), ("$625", 625.0, "USD", "ton")],
        ),
        # Only an amount of money takes one: "7.1% a year" is a change over the year before, not a rate.
        ("Growth was 7.1% a year.", [("7.1%", 7.1, "percent", None)]),
    ],
)
def test_rate_denominators(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = _quantities(sentences_of, vocab, text).sort("char_start")
    assert got.select("surface", "value", "unit", "per").rows() == expected
    assert_spans(text, got, "surface")
