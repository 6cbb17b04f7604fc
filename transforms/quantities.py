"""Numeric fact mentions: value, unit, metric, subject, qualifier and period."""

from __future__ import annotations

import functools
import re

import polars as pl
from text_to_num import find_numbers

from transforms.spans import alternation, find_parts, find_spans
from transforms.vocabulary import Vocabulary

# Digits grouped the Vietnamese way (2.694,43, 1.000.000), the English way (2,717.5, 1,000,000), one
# group that could be either (3.200, 1,500: read by the article's habit), a decimal with either mark, plain.
NUMBER = (
    r"\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}(?-u:\b)|\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,}(?-u:\b)"
    r"|\d{1,3}[.,]\d{3}(?-u:\b)|\d+[.,]\d+|\d+"
)
# Numbers only one convention can write: a decimal comma (14,2 and 2.694,43) or dotted thousands
# (2.426.561) against a decimal point (0.83) or comma thousands (1,000,000 and 2,717.5).
_DECIMAL_COMMA_MARKS = r"\d,\d{1,2}(?:[^\d]|$)|\d,\d{4,}|\d\.\d{3},\d|\d(?:\.\d{3}){2,}"
_DECIMAL_POINT_MARKS = r"\d\.\d{1,2}(?:[^\d]|$)|\d\.\d{4,}|\d,\d{3}\.\d|\d(?:,\d{3}){2,}"
# Metric keywords further back than this are about another figure of the sentence.
CONTEXT_CHARS = 120
# Investment metrics that say whose money it is.
REFINED_INVESTMENT = ("fdi", "domestic_investment", "fdi_disbursed")
# Figures of one unit this close together are items of one list ("45 percent; industry 16.7 percent").
LIST_GAP_CHARS = 40
# A plain integer in this span after "in", "by"... is a year, not a count ("in 2022 enterprises").
YEAR_MIN, YEAR_MAX = 1900, 2100
_YEAR_PREPOSITION = r"(?i)\b(?:in|by|since|from|of|until|to|after|before|during|end of)\s*$"
# A cheap filter for sentences that may hold a number in words; text2num decides which words are numbers.
_NUMBER_WORD_HINT = (
    # ASCII word boundaries: a Unicode \b makes the scan six times slower.
    r"(?i)(?-u:\b)(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen"
    r"|(?:twen|thir|for|fif|six|seven|eigh|nine)ty(?:-\w+)?|hundreds?|thousands?)(?-u:\b)"
)
_TOKEN = re.compile(r"\w+|[^\w\s]")
# text2num's tokens cost: only sentences with a number word it reads go through it.
_TEXT2NUM_HINT = re.compile(_NUMBER_WORD_HINT.replace("(?-u:\\b)", r"\b"))
# Amounts in words text2num leaves alone. "Dozens of" is at least two dozen, "millions of" two million.
_VAGUE = {"dozens": 24.0, "hundreds": 200.0, "thousands": 2e3, "millions": 2e6, "billions": 2e9}
# A fraction of something is a share of it, in percent to two decimals as the portals write shares.
_FRACTIONS = {"half": 50.0, "third": 33.33, "quarter": 25.0, "thirds": 66.67, "quarters": 75.0}
_NOT_FRACTION_BEFORE = {
    "the", "first", "second", "last", "final", "latter", "former", "a", "and", "remaining", "other", "next", "past",
    "this", "that", "its", "their", "his", "her", "our",
}  # fmt: skip
_PERIODS = {"term", "year", "month", "season", "race", "game", "match", "century", "decade", "week", "day", "period"}
# "A" or "one" is a number only before a scale word or a unit ("a million", "one percent", "a mile").
_ARTICLE_SCALES = ("thousand", "million", "billion", "trillion")
# Unit words that follow an article without measuring anything ("a people", "a times").
_NOT_ARTICLE_UNITS = {"times", "people", "persons", "sterling", "knot", "knots", "point", "points"}
# Words that make "one" a pronoun or a phrase, not a count ("the one", "one of", "at one point").
_NOT_ONE_BEFORE = {
    "the",
    "no",
    "any",
    "every",
    "each",
    "this",
    "that",
    "which",
    "at",
    "as",
    "number",
    "only",
    "another",
    "such",
}
_NOT_ONE_NOUN = {
    "of", "another", "the", "a", "an", "or", "and", "more", "such", "in", "by", "to", "for", "with", "from", "after",
    "who", "that", "which", "is", "was", "are", "were", "has", "had", "hand", "way", "time", "point", "side", "thing",
    "day", "year", "month", "week", "hour", "minute", "second", "night", "morning", "stop", "door", "out", "off",
}  # fmt: skip
# "One city, two county towns": "one" counts a singular noun only as an item of a list of counts.
_OTHER_COUNT = re.compile(
    r"(?:\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b)[\d,.]*\s+(?:[\w()-]+\s+){0,4}[a-z-]+s\b",
    re.I,
)
# Scale suffixes of one letter, which may also be a unit or part of a name ("700m", "HD 21749b").
_LETTER_SCALES = ("k", "K", "m", "M", "b", "B")
# A currency after a scaled amount ("5m USD"): the "m" is a million, not metres.
_CURRENCY_AFTER = r"^\s*(?:USD|VND|US\$|\$|dollars?|dong|EUR|euros?|pounds?)"
# "From 24.21% to 35.5%" after a change verb is where a figure went, two figures, not a range.
_CHANGE_VERB = (
    r"(?:rose|ris(?:es|ing|en)|increas(?:e|es|ed|ing)|grew|grow(?:s|n|ing)?|fell|fall(?:s|en|ing)?|dropp(?:ed|ing)"
    r"|drops?|declin(?:e|es|ed|ing)|decreas(?:e|es|ed|ing)|jump(?:s|ed|ing)?|climb(?:s|ed|ing)?|slid(?:e|es|ing)?"
    r"|slipp(?:ed|ing)|slips?|went|up|down|chang(?:e|es|ed|ing)|rais(?:e|es|ed|ing)|cut|cuts|reduc(?:e|es|ed|ing)"
    r"|improv(?:e|es|ed|ing)|gain(?:s|ed|ing)?|lost|los(?:e|es|ing)|shrank|shrunk)"
)
# "Rose from 24.21% to 35.5%", "rose 12% to 40.9m": where a figure went, two figures, not a range.
_CHANGE_FROM = rf"(?i)(?-u:\b){_CHANGE_VERB}(?-u:\b)[^.;]{{0,40}}(?-u:\b)from\s+$|(?i)(?-u:\b)(?:{_CHANGE_VERB}|by)\s+$"
_DECLINE = (
    r"(?:fell|falls?|falling|dropp(?:ed|ing)|drops?|down|lost|los(?:es|ing)|slid(?:e|es|ing)?|slipp(?:ed|ing)|slips?"
    r"|declin(?:e|es|ed|ing)|decreas(?:e|es|ed|ing)|shed(?:s|ding)?|sank|sinks?|sinking|tumbl(?:e|es|ed|ing)"
    r"|plung(?:e|es|ed|ing)|plummet(?:s|ed|ing)?|slump(?:s|ed|ing)?|eas(?:ed|ing)|retreat(?:s|ed|ing)?|dipp(?:ed|ing)"
    r"|dips?|contract(?:ed|ing|ion)|shr[aiu]nk|shrinking|cuts?|cutting|reduc(?:ed|ing|tion)|lower(?:ed|ing)?|loss)"
)
# The verb right before the figure, or with "by", "of" and an article between: "fell 1.86%", "a fall of 0.2%".
_DECLINE_BEFORE = rf"(?i)(?-u:\b){_DECLINE}(?:\s+(?:by|of|a|an|some|another|a further))*\s+$"
# A comparison after the figure: "64% lower risk", "0.4% below its level", "a £1.5bn cut".
_DECLINE_AFTER = (
    r"(?i)^\s*(?:lower|less|below|smaller|fewer|cheaper|weaker|down|cut|drop|fall|decline|decrease)(?-u:\b)"
)
# A hyphen between a score's numbers or in a date is not a range ("won 28-3").
_DASH_NOT_RANGE = r"(?i)(?-u:\b)(?:won|lost|beat|score\w*|defeat\w*|led|trail\w*|drew)\s+$"
# A scale word alone is a digit number's ("2.6 million"), not a number of its own.
_SCALE_ONLY = {"hundred", "thousand", "million", "billion", "trillion"}
# Words ending in "s" that are not plural nouns, masked when looking for the counted noun.
_NOT_PLURAL = (
    r"\b(grassroot|variou|numerou|seriou|famou|previou|busines|thi|it|alway|toward|acros|plu|"
    r"perhap|sometime|les|unles|wherea|doe|goe|ha|wa|i|a|u|thu|Socialis|new)s\b"
)
_STOPWORDS = (
    "is|are|was|were|has|have|had|this|thus|its|as|us|always|towards|across|plus|besides|"
    "perhaps|sometimes|less|unless|whereas|does|goes|of|the|and|in|on|at|to|for|with|by|from|"
    "or|that|which|who|be|been|being|a|an|it|he|she|they|we|per|than|also"
)


def _unit_regex(surfaces: list[str]) -> str:
    # Word-like units need a boundary ("ha" is not the start of "have"); symbols do not.
    body = alternation(surfaces)[3:-1].split("|")
    # "²" is alphanumeric to Python but not a word character to the regex engine: "km²\b" never matched.
    bounded = [p + r"(?-u:\b)" if p[-1].isalpha() or p[-1].isdecimal() else p for p in body]
    return "(?:" + "|".join(bounded) + ")"


def quantity_pattern(vocab: Vocabulary) -> str:
    """The regex of one numeric mention, with named groups for its parts."""
    units = vocab.table("units")
    after = units.filter(pl.col("position").is_in(["after", "both"]))["surface"].to_list()
    # Headlines capitalise every word ("6.4 Pct", "Eight-Month High"): a word unit in lower case also matches
    # capitalised. Units written in capitals or mixed case ("MW", "mAh") keep their case.
    after += [u.title() for u in after if re.fullmatch(r"[a-z][a-z -]{2,}", u)]
    before = units.filter(pl.col("position").is_in(["before", "both"]))["surface"].to_list()
    word = r"[\p{L}][\p{L}'’\-]*"
    # A code or a letter-led sign starts a word ("RM4.3bil", not the "RM" of "FORM 4"); "£", "$US" start anywhere.
    lettered = [s for s in before if s[0].isalpha()]
    signs = [s for s in before if not s[0].isalpha()]
    return (
        # Case-insensitive: a qualifier often opens the sentence ("More than 500 delegates ...").
        rf"(?:(?-u:\b)(?P<qual>(?i:{vocab.regex('qualifiers', 'phrase')}))\s+)?"
        rf"(?:(?P<cur>(?-u:\b){alternation(lettered)}|{alternation(signs)})\s?(?P<num_a>{NUMBER})"
        rf"|(?-u:\b)(?P<num_b>{NUMBER}))"
        rf"(?:\s*[-–]\s*(?P<num_hi>{NUMBER}))?"
        rf"(?:\s*(?P<scale>{vocab.regex('scale_words', 'word')})(?-u:\b)\.?)?"
        # "A 40-yard line", "a 6-inch screen": a hyphen joins a unit used as an adjective.
        rf"(?:(?:\s*|-)(?P<unit>{_unit_regex(after)})|\s+(?P<noun>(?:{word}\s+){{0,3}}{word}s)(?-u:\b)"
        # "A 12-page document", "the 6-lane road": a count joined by a hyphen to a singular noun.
        r"|-(?P<single>[a-z]{2,})(?-u:\b))?"
        rf"(?P<per>(?:\s*(?:/|per\s)\s*{vocab.regex('per_words', 'word')}(?-u:\b))*)"
    )


def decimal_habits(sentences: pl.LazyFrame) -> pl.LazyFrame:
    """Per document, whether it writes a comma for decimals (`decimal_comma`): the portals use both habits."""
    text = pl.col("sentence")
    return (
        sentences.group_by("doc_id")
        .agg(
            _comma=text.str.count_matches(_DECIMAL_COMMA_MARKS).sum(),
            _point=text.str.count_matches(_DECIMAL_POINT_MARKS).sum(),
            _dotted=text.str.count_matches(r"\d(?:\.\d{3}){2,}|\d\.\d{3},\d").sum(),
        )
        .select(
            "doc_id",
            decimal_comma=pl.col("_comma") > pl.col("_point"),
            # Only an article that also writes dotted thousands reads "1,500" as 1.5: "14,6 billion" beside
            # "22,500 hectares" is a decimal comma beside comma thousands.
            dotted_thousands=pl.col("_dotted") > 0,
        )
    )


def _parse_number(col: str, decimal_comma: pl.Expr, dotted_thousands: pl.Expr) -> pl.Expr:
    text = pl.col(col)
    dotted_thousands = text.str.contains(r"^\d{1,3}(?:\.\d{3}){2,}$|^\d{1,3}(?:\.\d{3})+,\d+$") | (
        decimal_comma & text.str.contains(r"^\d{1,3}\.\d{3}$")
    )
    comma_decimal = text.str.contains(r"^\d+,(?:\d{1,2}|\d{4,})$") | (
        decimal_comma & dotted_thousands & text.str.contains(r"^\d+,\d{3}$")
    )
    return (
        pl.when(dotted_thousands)
        .then(text.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(comma_decimal)
        .then(text.str.replace(",", "."))
        .otherwise(text.str.replace_all(",", ""))
        .cast(pl.Float64, strict=False)
    )


class _Token:
    """A word or a punctuation mark of a sentence, as text2num's `find_numbers` reads tokens."""

    def __init__(self, match: re.Match[str]) -> None:
        self.start, self.end, self._text = match.start(), match.end(), match.group()

    def text(self) -> str:
        return self._text

    def nt_separated(self, previous: _Token) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return False


def _article_measures(vocab: Vocabulary) -> str:
    """Alternation of the words an article before makes a number of: scale words and word units."""
    # "A year ago", "twice a day", "at one point": an article before a duration or a point is no amount.
    units = (
        vocab.table("units")
        .filter(pl.col("position").is_in(["after", "both"]) & (pl.col("dimension") != "duration"))["surface"]
        .to_list()
    )
    words = [u for u in units if re.fullmatch(r"[a-z][a-z -]{2,}", u) and u not in _NOT_ARTICLE_UNITS]
    return "|".join(re.escape(w) for w in sorted({*words, *_ARTICLE_SCALES}, key=len, reverse=True))


def word_amount_hint(vocab: Vocabulary) -> str:
    """A cheap filter for sentences that may hold an amount in words, text2num's or `word_amount_pattern`'s."""
    return (
        _NUMBER_WORD_HINT + r"|(?i)(?-u:\b)(?:one|half|thirds?|quarters?|dozens?|millions|billions)(?-u:\b)"
        rf"|(?i)(?-u:\b)an?\s+(?:dozen|hundred|{_article_measures(vocab)})(?-u:\b)"
    )


def word_amount_pattern(vocab: Vocabulary) -> re.Pattern[str]:
    """The regex of amounts in words text2num does not read: vague plurals, fractions, "a" or "one" as a number."""
    measured = _article_measures(vocab)
    return re.compile(
        rf"\b(?P<vague>{'|'.join(_VAGUE)})\s+of(?=\s+[a-z£$€])"
        r"|\b(?P<frac>(?:(?:a|one)\s+(?P<part>third|quarter)|half|(?:two|three)[- ](?P<parts>thirds|quarters))\s+of)\b"
        rf"|\b(?P<half>half\s+an?)(?=\s+(?:{'|'.join(_ARTICLE_SCALES)})\b)"
        # "One hundred and five" is text2num's.
        r"|\b(?P<dozen>an?\s+(?:dozen|hundred)|one\s+dozen)\b"
        rf"|\b(?P<one>an?|one)(?=\s+(?P<measure>{measured})\b)"
        r"|\b(?P<counted>one)\s+(?P<noun>[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?)"
        r"(?=\s*(?:[,;:.]|$)|\s+(?:and|with|spanning|covering|was|were|is|has|had|in|at|on)\b)",
        re.I,
    )


def _word_amounts(sentence: str, amounts: re.Pattern[str]) -> list[dict]:
    """Spans of the amounts in words `amounts` finds, each with its value and, where it says them, unit and noun."""
    spans = []
    for m in amounts.finditer(sentence):
        before = sentence[: m.start()]
        previous = (before.split() or [""])[-1].lower()
        span = {"start": m.start(), "end": m.end(), "value": 1.0, "unit": None, "noun": None, "qualifier": None}
        if m["vague"]:
            span |= {"value": _VAGUE[m["vague"].lower()], "qualifier": "at_least"}
        elif m["frac"]:
            # "The second half of the race", "the remaining half of the term" are parts of a period, not shares.
            after = sentence[m.end() : m.end() + 40].lower().split()[:3]
            if previous in _NOT_FRACTION_BEFORE or any(w.strip(",.;") in _PERIODS for w in after):
                continue
            part = (m["part"] or m["parts"] or "half").lower()
            span |= {"value": _FRACTIONS[part], "unit": "percent", "qualifier": "about" if "third" in part else None}
        elif m["half"]:
            span["value"] = 0.5
        elif m["dozen"]:
            span["value"] = 12.0 if m["dozen"].lower().endswith("dozen") else 100.0
        elif m["one"]:
            # "$82.60 a barrel", "2,129 ringgit a ton": the article after an amount is a rate's denominator.
            if re.search(r"(?:\d[\d.,]*\s*(?:[^\s\d]+\s+)?|\bper\s+)$", before) or previous in _NOT_ONE_BEFORE:
                continue
            # "One million", "one thousand two hundred": text2num reads the whole number.
            if m["one"].lower() == "one" and m["measure"].lower() in _ARTICLE_SCALES:
                continue
        else:
            words = m["noun"].lower().split()
            capital = m["counted"] != "one" and m.start() > 0
            if capital or previous in _NOT_ONE_BEFORE or any(w in _NOT_ONE_NOUN for w in words):
                continue
            if not _OTHER_COUNT.search(sentence[: m.start()] + " " + sentence[m.end() :]):
                continue
            span |= {"end": m.start() + len(m["counted"]), "noun": m["noun"], "noun_end": m.end()}
        spans.append(span)
    return spans


def mask_number_words(sentence: str, amounts: re.Pattern[str] | None = None) -> dict:
    """The sentence with each number written in words replaced by as many 9s, and those words' spans and values.

    text2num finds the numbers ("Twenty-six", "one hundred and five"), `amounts` the rest ("dozens of",
    "a third of", "a million"); a mask of the same length lets the digit pattern read the unit or counted noun
    after them with the offsets of the original text.
    """
    masked, spans = sentence, _word_amounts(sentence, amounts) if amounts is not None else []
    for span in spans:
        masked = masked[: span["start"]] + "9" * (span["end"] - span["start"]) + masked[span["end"] :]
    tokens = [_Token(m) for m in _TOKEN.finditer(sentence)] if _TEXT2NUM_HINT.search(sentence) else []
    # "two communes" counts; "one" is left out ("one of the", "one-stop").
    for found in find_numbers(tokens, "en", threshold=2):
        start, end = tokens[found.start].start, tokens[found.end - 1].end
        words = sentence[start:end]
        # "2.6 million" is a digit number with a scale word, not a number in words.
        after_digit = found.start > 0 and tokens[found.start - 1].text()[-1:].isdigit()
        if found.is_ordinal or after_digit or any(c.isdigit() for c in words) or words.lower() in _SCALE_ONLY:
            continue
        if any(s["start"] < end and start < s.get("noun_end", s["end"]) for s in spans):
            continue
        masked = masked[:start] + "9" * (end - start) + masked[end:]
        spans.append(
            {"start": start, "end": end, "value": float(found.value), "unit": None, "noun": None, "qualifier": None}
        )
    for span in spans:
        span.setdefault("noun_end", None)
    return {"masked": masked, "spans": spans}


_WORD_SPANS_TYPE = pl.List(
    pl.Struct(
        {
            "start": pl.Int64,
            "end": pl.Int64,
            "value": pl.Float64,
            "unit": pl.String,
            "noun": pl.String,
            "qualifier": pl.String,
            "noun_end": pl.Int64,
        }
    )
)
_MASK_TYPE = pl.Struct({"masked": pl.String, "spans": _WORD_SPANS_TYPE})


def _numbers_in_words(sentences: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Sentences with a digit or a number in words: `sentence` masked, `_original` as written, `_word_spans`."""
    amounts = vocab.built("word_amount_pattern", lambda: word_amount_pattern(vocab))
    hint = vocab.built("word_amount_hint", lambda: word_amount_hint(vocab))
    flagged = sentences.with_columns(
        _hinted=pl.col("sentence").str.contains(hint),
        _digits=pl.col("sentence").str.contains(r"[0-9]"),
    ).cache()
    # Only the few sentences the hint picks go through Python: a when/then would call it on every row.
    with_words = (
        flagged.filter("_hinted")
        .with_columns(
            _mask=pl.col("sentence").map_elements(
                lambda text: mask_number_words(text, amounts), return_dtype=_MASK_TYPE
            )
        )
        .with_columns(
            _original=pl.col("sentence"),
            sentence=pl.col("_mask").struct.field("masked"),
            _word_spans=pl.col("_mask").struct.field("spans"),
        )
        .drop("_mask")
    )
    digits_only = flagged.filter(~pl.col("_hinted") & pl.col("_digits")).with_columns(
        _original=pl.col("sentence"), _word_spans=pl.lit(None, _WORD_SPANS_TYPE)
    )
    return pl.concat([digits_only, with_words]).drop("_hinted", "_digits")


def _word_values(numbered: pl.LazyFrame) -> pl.LazyFrame:
    """One row per number in words: where it starts in its sentence and its value."""
    return (
        numbered.filter(pl.col("_word_spans").list.len() > 0)
        .select("doc_id", "sentence_no", "_word_spans")
        .explode("_word_spans")
        .unnest("_word_spans")
        .select(
            "doc_id",
            "sentence_no",
            pl.col("start").alias("_num_start"),
            pl.col("value").alias("_word_value"),
            pl.col("unit").alias("_word_unit"),
            pl.col("noun").alias("_word_noun"),
            pl.col("noun_end").alias("_noun_end"),
            pl.col("qualifier").alias("_word_qualifier"),
        )
    )


def _quantity_lookups(vocab: Vocabulary) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Scale words, count nouns, units and qualifiers keyed as the parts of a mention are."""
    scales = (
        vocab.table("scale_words")
        .select(
            pl.col("word").str.to_lowercase().alias("_scale_key"),
            pl.col("factor").cast(pl.Float64).alias("_factor"),
        )
        .unique("_scale_key")
    )
    nouns = vocab.table("count_nouns").select(
        pl.col("noun").alias("_head"), pl.col("kind").alias("_noun_kind"), pl.col("unit").alias("_noun_unit")
    )
    units = (
        vocab.table("units")
        .select(
            pl.col("surface").str.to_lowercase().alias("_unit_key"),
            pl.col("unit").alias("_unit"),
            pl.col("dimension").alias("_unit_dim"),
        )
        .unique("_unit_key")
    )
    qualifiers = vocab.table("qualifiers").select(
        pl.col("phrase").str.to_lowercase().alias("_qual_key"), pl.col("qualifier").alias("_qualifier")
    )
    return scales, nouns, units, qualifiers


def _merge_ranges(parsed: pl.LazyFrame) -> pl.LazyFrame:
    """Two numbers joined as one range ("4%-5%", "from 3 to 5 %", "between 10 and 12 million") made one mention.

    The upper end keeps its unit, noun and scale and takes the lower end's start; the lower end, alone a bare
    number or a fact of its own, is dropped. "Rose from 24.21% to 35.5%" and "606 to 546" stay two figures.
    """
    within = ("doc_id", "sentence_no")

    def following(col: str) -> pl.Expr:
        return pl.col(col).shift(-1).over(within, order_by="match_start")

    def preceding(col: str) -> pl.Expr:
        return pl.col(col).shift(1).over(within, order_by="match_start")

    gap = pl.col("sentence").str.slice(pl.col("match_end"), following("match_start") - pl.col("match_end"))
    joins = (
        (gap.str.contains(r"^\s*[-–]\s*$") & ~pl.col("_prefix").str.contains(_DASH_NOT_RANGE))
        | (
            gap.str.contains(r"^\s+to\s+$")
            & ~pl.col("_prefix").str.contains(_CHANGE_FROM)
            # "service from 23.33% to 25.2%", its verb left out: "from" with a unit on both ends is a change.
            & ~(pl.col("_prefix").str.contains(r"(?i)(?-u:\b)from\s+$") & pl.coalesce("unit", "cur").is_not_null())
        )
        | (gap.str.contains(r"^\s+and\s+$") & pl.col("_prefix").str.contains(r"(?i)(?-u:\b)between\s+$"))
    )
    lower_unit = pl.coalesce("unit", "cur")
    agrees = (
        (pl.col("_base") < following("_base") * following("_factor").fill_null(1.0) / pl.col("_factor").fill_null(1.0))
        & pl.col("num_hi").is_null()
        # "From 43,421 in 2019 to 90,110": a year is no lower end.
        & ~pl.col("_is_year")
        & following("qual").is_null()
        & (pl.col("_unit").is_null() | (pl.col("_unit") == following("_unit")))
        & pl.col("noun").is_null()
        & (pl.col("cur").is_null() | (pl.col("cur") == following("cur")))
        & (lower_unit.is_null() | following("_unit").is_not_null())
    )
    merges = (joins & agrees).fill_null(False)
    merged = merges.shift(1).over(within, order_by="match_start").fill_null(False)
    return (
        parsed.with_columns(_merges=merges, _merged=merged)
        .with_columns(
            _lo_start=preceding("match_start"),
            _lo_base=preceding("_base"),
            _lo_factor=preceding("_factor"),
            _lo_num=preceding("_num"),
            _lo_prefix=preceding("_prefix"),
            _lo_in_name=preceding("_in_name"),
        )
        .filter(~pl.col("_merges"))
        .with_columns(
            _hi=pl.when("_merged").then(pl.col("_base")).otherwise(pl.col("_hi")),
            _base=pl.when("_merged").then(pl.col("_lo_base")).otherwise(pl.col("_base")),
            # "between 10 and 12 million": the lower end takes the upper end's scale when it has none.
            _lo_factor=pl.when("_merged").then(pl.coalesce("_lo_factor", "_factor")),
            _num=pl.when("_merged").then(pl.col("_lo_num")).otherwise(pl.col("_num")),
            _prefix=pl.when("_merged").then(pl.col("_lo_prefix")).otherwise(pl.col("_prefix")),
            _in_name=pl.when("_merged").then(pl.col("_lo_in_name")).otherwise(pl.col("_in_name")),
            surface=pl.when("_merged")
            .then(pl.col("sentence").str.slice(pl.col("_lo_start"), pl.col("match_end") - pl.col("_lo_start")))
            .otherwise(pl.col("surface")),
            match_start=pl.when("_merged").then(pl.col("_lo_start")).otherwise(pl.col("match_start")),
        )
        .drop("_merges", "_lo_start", "_lo_base", "_lo_num", "_lo_prefix", "_lo_in_name")
    )


def _signs(parsed: pl.LazyFrame) -> pl.LazyFrame:
    """Mentions with `_sign`: -1 for a minus ("-1.3 %", "minus 20C") or a decline ("fell 1.3 %", "64% lower").

    A level stays positive: "fell to 4 %" is where it went. A glued minus joins the surface.
    """
    after = pl.col("sentence").str.slice(pl.col("match_end"), 24)
    glued_minus = pl.col("_prefix").str.contains(r"(?:^|[\s(\[:=])[-−]$") & ~pl.col("_merged")
    negative = (
        glued_minus
        | pl.col("_prefix").str.contains(r"(?i)(?-u:\b)minus\s+$")
        | pl.col("_prefix").str.contains(_DECLINE_BEFORE)
        | after.str.contains(_DECLINE_AFTER)
    )
    within = ("doc_id", "sentence_no")
    previous_end = pl.col("match_end").shift(1).over(within, order_by="match_start")
    # "Fell by 50 cents, or 0.6%", "declining 4.26%, or 16 sen": the same change restated in another unit.
    restates = pl.col("sentence").str.slice(previous_end, pl.col("match_start") - previous_end).str.contains(
        r"^\s*,\s*or\s+$"
    ) & pl.col("_negative").shift(1).over(within, order_by="match_start")
    return (
        parsed.with_columns(_negative=negative)
        .with_columns(_negative=pl.col("_negative") | restates.fill_null(False))
        .with_columns(
            _sign=pl.when("_negative").then(pl.lit(-1.0)).otherwise(pl.lit(1.0)),
            match_start=pl.col("match_start") - glued_minus.cast(pl.Int64),
            surface=pl.when(glued_minus).then(pl.lit("-") + pl.col("surface")).otherwise(pl.col("surface")),
        )
        .drop("_negative")
    )


def _period_name(vocab: Vocabulary) -> pl.Expr:
    """Whether a duration names a period rather than measures one: "5-year plan", "the first 6 months of 2023".

    A duration used as an adjective (its unit singular) before a plan, a strategy or a term is part of the name
    of that plan; "the first six months" is a part of a year, as "Q1" is. "A 10-year bond", "the past 20 years"
    and "a 4-year high" stay durations.
    """
    names = vocab.built(
        "period_names",
        lambda: alternation(
            vocab.table("count_nouns").filter(pl.col("kind").is_in(["term", "period_name"]))["noun"].to_list()
        ),
    )
    duration = (pl.col("_unit_dim") == "duration") | (pl.col("_noun_kind") == "duration")
    after = pl.col("sentence").str.slice(pl.col("match_end"), 80)
    # The words up to the first that starts a phrase of its own: "5-year socio-economic development plan", not
    # "5 years of implementing the plan".
    modified = after.str.extract(r"^((?:[\s-]+[\p{L}'’-]+){1,4})", 1).str.replace(
        r"(?i)(?-u:\b)(?:of|in|on|at|for|to|and|or|the|a|an|by|with|from|since|after|before|ago|was|is)(?-u:\b).*$", ""
    )
    adjectival = ~pl.col("unit").fill_null("s").str.contains(r"s$") & modified.str.contains(
        rf"(?i)(?-u:\b){names}(?-u:\b)"
    )
    # "In the first three months,", "the first 6 months of 2023", "the last 3 months of the year": a part of the year;
    # "its first three months of operation", "the final two minutes of the first half" measure something.
    # "In the last 20 years" is a duration: only months, weeks and days are parts of a year.
    part_of_year = (
        pl.col("_prefix").str.contains(r"(?i)(?-u:\b)(?:first|last|final)\s+$")
        & pl.coalesce("unit", "noun").str.contains(r"(?i)(?:month|week|day)s?$")
    ) & (
        ~after.str.contains(r"(?i)^\s+of(?-u:\b)")
        | after.str.contains(r"(?i)^\s+of\s+(?:(?:the|this|last|next|that)\s+)?(?:year|\d{4})(?-u:\b)")
    )
    return (duration & (adjectival.fill_null(False) | part_of_year)).fill_null(False)


def _bare_unit(vocab: Vocabulary, no_noun: pl.Expr) -> pl.Expr:
    """The unit of a number written without one where the sentence gives it a meaning, else null.

    A level after a noun that names one and "of" ("an average of 1,500", "a crowd of 21,708"), after a verb of
    level and "at" or "to" ("the index closed at 1,250.3", "rose 1.53% to 1,648.70"), an age ("aged 45"), or an
    amount with a scale word ("shipments of 211 million"). Names and codes have no such words before them
    ("iPhone 11", "Route 1A", "Decree 15") and stay out, as do years, dates, times, scores and ordinals.
    """

    def cues(kind: str) -> str:
        words = vocab.table("bare_number_cues").filter(pl.col("kind") == kind)["cue"].to_list()
        return vocab.built(f"bare_cues:{kind}", lambda: alternation(words))

    units = vocab.built(
        "bare_cue_units",
        lambda: vocab.table("bare_number_cues").select(pl.col("cue").alias("_cue"), pl.col("unit").alias("_cue_unit")),
    )
    prefix = pl.col("_prefix").str.slice(-90).str.to_lowercase()
    cue = pl.coalesce(
        prefix.str.extract(rf"(?-u:\b)({cues('noun')})\s+of\s+$", 1),
        prefix.str.extract(rf"(?-u:\b)({cues('before')})\s+$", 1),
    )
    cue_unit = cue.replace_strict(units["_cue"], units["_cue_unit"], default=None)
    level_verb = prefix.str.contains(
        rf"(?-u:\b){cues('verb')}(?-u:\b)(?:[^.;:!?]|[.:]\d){{0,60}}?(?-u:\b)(?:at|to|from)\s+$"
    )
    after = pl.col("sentence").str.slice(pl.col("match_end"), 12)
    scales = vocab.regex("scale_words", "word")
    bare = (
        pl.col("_unit").is_null()
        & no_noun
        & pl.col("cur").is_null()
        & pl.col("_word_unit").is_null()
        & pl.col("_word_value").is_null()
        # A range only with a scale word ("195 million-215 million"): "won 28-3" is a score, "2021-2025" years.
        & ((pl.col("num_hi").is_null() & ~pl.col("_merged")) | pl.col("_factor").is_not_null())
        & ~pl.col("_is_year")
        # A year after any word ("at 2024 prices"), an ordinal or a code glued to letters ("15th", "1A"), a time
        # or a date ("11:30", "5/6", "5 p.m.", "1130 GMT").
        & ~pl.col("_num").cast(pl.Int64, strict=False).is_between(YEAR_MIN, YEAR_MAX).fill_null(False)
        & ~after.str.contains(r"^(?:\p{L}|[:/]\d|\s*(?:[ap]\.?m\b|GMT|UTC))")
        # "2.71 million billion VND": a second scale word the pattern did not read; the amount is not bare.
        & ~after.str.contains(rf"(?i)^\s+{scales}(?-u:\b)")
    )
    # A one-letter suffix scales only an amount with a currency ("$4.2b"), not a code ("Highway 37B").
    scaled = pl.col("_factor").is_not_null() & ~pl.col("scale").is_in(list(_LETTER_SCALES))
    people = vocab.built(
        "person_nouns",
        lambda: alternation(
            [n.removesuffix("s") for n in vocab.table("count_nouns").filter(pl.col("kind") == "person")["noun"]]
        ),
    )
    # "The number of tourists ... increased to 140,000", "passenger numbers to 7.2 billion": the clause counts people.
    counts_people = (
        pl.col("_prefix")
        .str.replace(r"^.*[;:]", "")
        .str.slice(-120)
        .str.contains(rf"(?i)(?-u:\b)(?:{people[3:-1]})s?(?-u:\b)|(?-u:\b)people(?-u:\b)")
    )
    level = pl.when(counts_people).then(pl.lit("persons")).otherwise(pl.lit("count"))
    return pl.when(bare).then(pl.coalesce(cue_unit, pl.when(level_verb | scaled).then(level)))


def _merge_sums(quantities: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Parts of one amount written largest first made one mention, in the smallest part's unit.

    "59 minutes and 45 seconds" is 3,585 seconds and "two hours, 25 seconds" 7,225; "13 million 249 thousand",
    two bare amounts with nothing but a space between them, is 13,249,000. Run twice, three parts become one.
    """
    to_base = vocab.built(
        "duration_to_base",
        lambda: (
            vocab.table("units")
            .filter(pl.col("dimension") == "duration")
            .select("unit", pl.col("to_base").cast(pl.Float64).alias("_to_base"))
            .unique("unit")
        ),
    )
    following = functools.partial(_neighbour, offset=-1)
    preceding = functools.partial(_neighbour, offset=1)
    match_end = pl.col("match_start") + pl.col("char_end") - pl.col("char_start")
    gap = pl.col("_original").str.slice(match_end, following("match_start") - match_end)
    plain = pl.col("value_max").is_null() & pl.col("counted").is_null()
    # A smaller unit of time after a larger one; the ratio of two units of time is a whole number.
    ratio = (pl.col("_to_base") / following("_to_base")).round(0)
    durations = gap.str.contains(r"^(?:\s+|\s*,\s*|\s+and\s+|\s*,\s+and\s+)$") & (ratio > 1)
    amounts = (
        gap.str.contains(r"^ $")
        & (pl.col("unit") == "count")
        & (following("unit") == "count")
        & (pl.col("value") > following("value"))
    )
    merges = (
        (durations | amounts) & plain & following("value_max").is_null() & following("counted").is_null()
    ).fill_null(False)

    def step(frame: pl.LazyFrame) -> pl.LazyFrame:
        # Pairs from the left: a part the one before merges into waits for the next step.
        frame = frame.with_columns(_merges=merges, _times=pl.when(durations).then(ratio).otherwise(1.0)).with_columns(
            _merges=pl.col("_merges") & ~preceding("_merges").fill_null(False)
        )
        merged = preceding("_merges").fill_null(False)
        return (
            frame.with_columns(
                _merged_sum=merged,
                _lo_value=preceding("value") * preceding("_times"),
                _lo_start=preceding("char_start"),
                _lo_match_start=preceding("match_start"),
                _lo_qualifier=preceding("qualifier"),
            )
            .filter(~pl.col("_merges"))
            .with_columns(
                value=pl.when("_merged_sum").then(pl.col("_lo_value") + pl.col("value")).otherwise(pl.col("value")),
                qualifier=pl.when("_merged_sum").then(pl.col("_lo_qualifier")).otherwise(pl.col("qualifier")),
                surface=pl.when("_merged_sum")
                .then(pl.col("_original").str.slice(pl.col("_lo_match_start"), match_end - pl.col("_lo_match_start")))
                .otherwise(pl.col("surface")),
                char_start=pl.when("_merged_sum").then(pl.col("_lo_start")).otherwise(pl.col("char_start")),
                match_start=pl.when("_merged_sum").then(pl.col("_lo_match_start")).otherwise(pl.col("match_start")),
            )
            .drop("_merges", "_times", "_merged_sum", "_lo_value", "_lo_start", "_lo_match_start", "_lo_qualifier")
        )

    return (
        quantities.join(to_base.lazy(), on="unit", how="left")
        # Sorted once, neighbours are plain shifts: a window per column cost a third of the quantity pass.
        .sort("doc_id", "sentence_no", "char_start")
        .pipe(step)
        .pipe(step)
        .drop("_to_base")
    )


def _neighbour(col: str, offset: int) -> pl.Expr:
    """`col` of the mention `offset` rows before (1) or after (-1) in a frame sorted by sentence, if in the same one."""
    same = (pl.col("doc_id").shift(offset) == pl.col("doc_id")) & (
        pl.col("sentence_no").shift(offset) == pl.col("sentence_no")
    )
    return pl.when(same).then(pl.col(col).shift(offset))


def _inherit_currency(quantities: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Bare amounts listed right after an amount of money are in its currency.

    "USD 19.9 billion in revenue and 14.6 billion in exports": the second amount names no currency of its own.
    """
    money = vocab.built(
        "money_units",
        lambda: vocab.table("units").filter(pl.col("dimension") == "money")["unit"].unique().to_list(),
    )
    # The frame comes sorted by sentence and start from `_merge_sums`.
    previous_unit = _neighbour("unit", 1)
    previous_end = _neighbour("_end", 1)
    gap = pl.col("_original").str.slice(previous_end, pl.col("match_start") - previous_end)
    inherits = (
        (pl.col("unit") == "count")
        & pl.col("counted").is_null()
        & previous_unit.is_in(money)
        & _neighbour("per", 1).is_null()
        & (pl.col("match_start") - previous_end <= LIST_GAP_CHARS + 20)
        & gap.str.contains(r"^(?:[^;.]|\.\d)*(?-u:\b)and\s+$|^(?:[^;.]|\.\d)*,\s*$")
    ).fill_null(False)
    return (
        quantities.with_columns(_end=pl.col("match_start") - pl.col("char_start") + pl.col("char_end"))
        .with_columns(unit=pl.when(inherits).then(previous_unit).otherwise(pl.col("unit")))
        .drop("_original", "_end")
    )


def find_quantities(sentences: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Raw numeric mentions with parsed parts; bare numbers without a meaning (years, dates, codes) are dropped."""
    pattern = vocab.built("quantity_pattern", lambda: quantity_pattern(vocab))
    numbered = _numbers_in_words(sentences.select("doc_id", "sentence_no", "char_start", "sentence"), vocab).cache()
    parts = find_parts(numbered, "sentence", pattern, match_col="surface").join(
        decimal_habits(numbered.select("doc_id", pl.col("_original").alias("sentence"))), on="doc_id", how="left"
    )
    scales, nouns, units, qualifiers = vocab.built("quantity_lookups", lambda: _quantity_lookups(vocab))
    prefix = pl.col("sentence").str.slice(0, pl.col("match_start"))
    # The counted noun ends at its first plural word: "65 territories (and countries)".
    masked = pl.col("noun").str.replace_all(_NOT_PLURAL, "${1}_")
    # An amount in a currency written before it ("VND 12 trillion") counts no noun after it.
    head_len = (
        pl.when(pl.col("cur").is_not_null())
        .then(0)
        .otherwise(masked.str.extract(r"^((?:\S+\s+)*?\S*s)(?:\s|$)").str.len_chars())
    )
    trimmed = (
        parts.with_columns(
            _cut=pl.col("noun").str.len_chars() + pl.col("per").str.len_chars() - head_len,
            noun=pl.col("noun").str.slice(0, head_len),
        )
        .with_columns(
            # "... reached $5 million." The full stop that ends the sentence is not the "bln." abbreviation dot.
            _cut=pl.col("_cut").fill_null(0)
            + (pl.col("surface").str.ends_with(".") & (pl.col("match_end") == pl.col("sentence").str.len_chars())).cast(
                pl.Int64
            ),
        )
        .with_columns(
            surface=pl.col("surface").str.slice(0, pl.col("surface").str.len_chars() - pl.col("_cut")),
            match_end=pl.col("match_end") - pl.col("_cut"),
            per=pl.when(pl.col("noun").is_not_null()).then(pl.lit("")).otherwise(pl.col("per")),
        )
        .with_columns(
            noun=pl.when(pl.col("noun").str.len_chars() > 0).then(pl.col("noun")),
            # Whitespace left before a dropped noun is not part of the mention.
            match_end=pl.col("match_end")
            - (pl.col("surface").str.len_chars() - pl.col("surface").str.strip_chars_end().str.len_chars()),
            surface=pl.col("surface").str.strip_chars_end(),
        )
    )
    # A one-letter scale needs an amount it can scale: "£40.9m" and "1.2m tons" are millions, "700-800m above
    # the sea" and "4,000m-thick" are metres, "HD 21749b" is a name.
    lettered_scale = pl.col("scale").is_in(list(_LETTER_SCALES)) & pl.col("cur").is_null()
    long_integer = pl.coalesce("num_a", "num_b").str.contains(r"^\d{4,}")
    currency_after = pl.col("sentence").str.slice(pl.col("match_end"), 8).str.contains(_CURRENCY_AFTER)
    metre = (
        (pl.col("scale") == "m")
        & pl.col("cur").is_null()
        & ((pl.col("unit").is_null() & pl.col("noun").is_null()) | long_integer)
        & ~currency_after
    )
    # The singular noun modifies another ("a 12-page document"); a rating is no count ("a 5-star hotel").
    ratings = vocab.built(
        "rating_nouns", lambda: vocab.table("count_nouns").filter(pl.col("kind") == "rating")["noun"].to_list()
    )
    single = (
        pl.col("sentence").str.slice(pl.col("match_end"), 2).str.contains(r"^\s[a-z]")
        & ~pl.col("single").is_in(ratings)
        & pl.col("cur").is_null()
        # "4,000m-thick": the letter is a unit's, and what follows describes it.
        & pl.col("scale").is_null()
    )
    trimmed = trimmed.with_columns(
        noun=pl.coalesce("noun", pl.when(single).then(pl.col("single"))),
        # A hyphenated word that modifies nothing ("F-150s", "well-known") is not part of the mention.
        _drop_single=(pl.col("single").is_not_null() & ~single).fill_null(False),
    ).with_columns(
        match_end=pl.when("_drop_single")
        .then(pl.col("match_end") - pl.col("single").str.len_chars() - 1)
        .otherwise(pl.col("match_end")),
        surface=pl.when("_drop_single")
        .then(pl.col("surface").str.slice(0, pl.col("surface").str.len_chars() - pl.col("single").str.len_chars() - 1))
        .otherwise(pl.col("surface")),
    )
    parsed = (
        trimmed.with_columns(
            _metre=metre.fill_null(False),
            _code=(lettered_scale & long_integer & (pl.col("scale") != "m")).fill_null(False),
            # "5 m²" written with a space: the scale pattern stopped at the letter.
            _squared=pl.col("sentence").str.slice(pl.col("match_end"), 1),
        )
        .with_columns(
            _num=pl.coalesce("num_a", "num_b"),
            _scale_key=pl.when(~pl.col("_metre")).then(pl.col("scale").str.to_lowercase()),
            _unit_key=pl.coalesce(
                pl.when(pl.col("_metre") & pl.col("_squared").is_in(["²", "³"])).then(pl.lit("m") + pl.col("_squared")),
                pl.when(pl.col("_metre")).then(pl.lit("m")),
                "unit",
                "cur",
            )
            .str.to_lowercase()
            .str.replace_all(r"\s+", " "),
            _head=pl.col("noun").str.extract(r"(\p{L}[\p{L}'’\-]*)$").str.to_lowercase(),
            _qual_key=pl.col("qual").str.to_lowercase().str.replace_all(r"\s+", " "),
            _prefix=prefix,
        )
        .join(scales.lazy(), on="_scale_key", how="left")
        .join(nouns.lazy(), on="_head", how="left")
        .join(units.lazy(), on="_unit_key", how="left")
        # "450 passing yards", "36 Earth days": words between a number and its unit.
        .join(
            units.lazy().select(pl.col("_unit_key").alias("_head"), pl.col("_unit").alias("_head_unit")),
            on="_head",
            how="left",
        )
        .join(qualifiers.lazy(), on="_qual_key", how="left")
        .with_columns(
            _base=_parse_number("_num", pl.col("decimal_comma"), pl.col("dotted_thousands")),
            _hi=_parse_number("num_hi", pl.col("decimal_comma"), pl.col("dotted_thousands")),
            _is_year=pl.col("_num").str.contains(r"^\d{4}$")
            & pl.col("_num").cast(pl.Int64, strict=False).is_between(YEAR_MIN, YEAR_MAX)
            & pl.col("_prefix").str.contains(_YEAR_PREPOSITION),
            # "Covid-19 patients", "25/05/2023 applies": the number is part of a name or a date.
            _in_name=pl.col("_prefix").str.contains(r"(?:\p{L}[-–]|\d/)$"),
        )
        .pipe(_merge_ranges)
        .pipe(_signs)
        .with_columns(_num_start=pl.col("match_start") + pl.col("surface").str.find(pl.col("_num"), literal=True))
        .join(_word_values(numbered), on=["doc_id", "sentence_no", "_num_start"], how="left")
    )
    has_stopword = pl.col("noun").str.to_lowercase().str.contains(rf"(?:^|\s)(?:{_STOPWORDS})(?:\s|$)")
    is_counted = pl.col("_noun_end").is_not_null() | (
        pl.col("noun").is_not_null()
        # "Hundreds of models": a vague count is no figure the portals' gold keeps; "hundreds of pounds" is.
        & (pl.col("_word_qualifier").fill_null("") != "at_least")
        & (pl.col("_noun_kind").fill_null("") != "term")
        & ~has_stopword
        & ~pl.col("_is_year")
        # "2022 estimates", "2010 comparative prices": a year before a noun says which; a count of two thousand is
        # written "2,000" (the gold lists hold none without the comma).
        & ~(
            pl.col("_num").str.contains(r"^\d{4}$")
            & pl.col("_num").cast(pl.Int64, strict=False).is_between(YEAR_MIN, YEAR_MAX)
            & pl.col("qual").is_null()
        )
        # A count is whole unless scaled ("2.6 million people"); "4.0 technology" is not.
        & (
            pl.col("_num").str.contains(r"^[\d,]+$")
            # "3.000 enterprises" in an article that writes dotted thousands.
            | (pl.col("_num").str.contains(r"^\d{1,3}(?:\.\d{3})+$") & (pl.col("_base") >= 1000))
            | pl.col("_factor").is_not_null()
        )
    )
    # "In 2022 people's incomes rose": a word unit that counts people reads like a counted noun.
    is_measured = pl.col("_unit").is_not_null() & ~(pl.col("_is_year") & (pl.col("_unit_dim") == "persons"))
    # "5m USD" is five million dollars, not five metres: the amount has no unit the pattern knows.
    million_m = (pl.col("_unit") == "m") & ~pl.col("_metre") & currency_after
    is_measured = (is_measured & ~million_m) | pl.col("_word_unit").is_not_null()
    # "at 4 p.m." is a time, not four pence.
    clock = (pl.col("unit") == "p") & pl.col("sentence").str.slice(pl.col("match_end"), 2).str.contains(r"^\.m")
    kept = (
        # "an average of 1,500 and ...": words after a number that start with "and" are no counted noun.
        parsed.with_columns(_bare_unit=_bare_unit(vocab, pl.col("noun").is_null() | has_stopword))
        .filter(
            (is_measured | is_counted | pl.col("_bare_unit").is_not_null())
            & ~pl.col("_in_name")
            & ~pl.col("_code")
            & ~clock
            & ~_period_name(vocab)
        )
        .with_columns(
            _ext=(pl.col("_metre") & pl.col("_squared").is_in(["²", "³"])).cast(pl.Int64),
            # A bare number's words after it ("and shipments") are not part of it.
            _cut=pl.when(pl.col("_bare_unit").is_not_null() & pl.col("noun").is_not_null())
            .then(
                pl.col("surface").str.len_chars()
                - pl.col("surface")
                .str.slice(0, pl.col("surface").str.len_chars() - pl.col("noun").str.len_chars())
                .str.strip_chars_end()
                .str.len_chars()
            )
            .otherwise(0),
            noun=pl.when(pl.col("_bare_unit").is_null()).then(pl.col("noun")),
        )
        .with_columns(match_end=pl.col("match_end") - pl.col("_cut"))
        # "One economic zone": a singular noun the pattern does not read is counted where "one" counts it.
        .with_columns(
            match_end=pl.coalesce("_noun_end", pl.col("match_end") + pl.col("_ext")),
            noun=pl.coalesce("_word_noun", "noun"),
        )
        .with_columns(
            # The mask has the length of the words it hides: the surface is cut from the text as written.
            surface=pl.col("_original").str.slice(pl.col("match_start"), pl.col("match_end") - pl.col("match_start")),
            _base=pl.coalesce("_word_value", "_base"),
        )
    )
    # "$82.60 a barrel", "2,129 ringgit ($625) a ton", "30 million euros (USD 35.5 million) a year": a price's
    # denominator after "a", "an" or "per", past a conversion in brackets, also for the amount inside them.
    rate_after = (
        pl.col("_original")
        .str.slice(pl.col("match_end"), CONTEXT_CHARS)
        .str.extract(rf"(?i)^\)?\s*(?:\([^)]*\)\s*)?(?:an?|per)\s+({vocab.regex('per_words', 'word')})(?-u:\b)", 1)
    )
    kept = kept.with_columns(
        per=pl.when((pl.col("_unit_dim") == "money") & (pl.col("per").fill_null("") == ""))
        .then(pl.coalesce(rate_after, "per"))
        .otherwise(pl.col("per"))
    )
    factor = pl.col("_factor").fill_null(1.0)
    return (
        kept.select(
            "doc_id",
            "sentence_no",
            (pl.col("char_start") + pl.col("match_start")).alias("char_start"),
            (pl.col("char_start") + pl.col("match_end")).alias("char_end"),
            "surface",
            "match_start",
            # A decline of a range runs from its larger fall to its smaller one: "down 3-5%" is -5 to -3.
            pl.when(pl.col("_sign") < 0)
            .then(-pl.coalesce(pl.col("_hi") * factor, pl.col("_base") * pl.coalesce("_lo_factor", factor)))
            .otherwise(pl.col("_base") * pl.coalesce("_lo_factor", factor))
            .alias("value"),
            pl.when(pl.col("_hi").is_null())
            .then(None)
            .when(pl.col("_sign") < 0)
            .then(-pl.col("_base") * pl.coalesce("_lo_factor", factor))
            .otherwise(pl.col("_hi") * factor)
            .alias("value_max"),
            pl.coalesce(
                "_word_unit",
                "_unit",
                "_bare_unit",
                pl.when(pl.col("_noun_kind") == "person").then(pl.lit("persons")),
                pl.when(pl.col("_noun_kind") == "duration").then(pl.col("_noun_unit")),
                "_head_unit",
                pl.lit("count"),
            ).alias("unit"),
            pl.col("per")
            .str.replace_all(r"(?i)\bper\b", "")
            .str.extract_all(r"\p{L}[\p{L}\d]*")
            .list.join("/")
            .replace("", None)
            .alias("per"),
            pl.col("noun").str.replace_all(r"\s+", " ").alias("counted"),
            pl.coalesce(
                pl.when(pl.col("num_hi").is_not_null() | pl.col("_merged")).then(pl.lit("range")),
                "_qualifier",
                "_word_qualifier",
                pl.when(pl.col("_prefix").str.contains(r"(?i)\bestimat")).then(pl.lit("estimated")),
                pl.lit("exact"),
            ).alias("qualifier"),
            "_original",
        )
        .pipe(_merge_sums, vocab)
        .pipe(_inherit_currency, vocab)
    )


def _percent_base(vocab: Vocabulary) -> pl.Expr:
    """What a percentage or a multiple is taken of (`plan`, `previous_period`, `total`), from the words around it."""
    after = pl.col("sentence").str.slice(pl.col("match_start") + pl.col("surface").str.len_chars(), CONTEXT_CHARS)
    texts = {"after": after, "before": pl.col("_context")}
    base = pl.lit(None, pl.String)
    # Words after the figure win over words before it, and earlier rows over later ones: the last applied wins.
    rows = vocab.built(
        "percent_bases", lambda: vocab.table("percent_bases").select("pattern", "base", "position").rows()
    )
    for pattern, name, position in sorted(reversed(rows), key=lambda row: row[2] == "after"):
        base = pl.when(texts[position].str.contains("(?i)" + pattern)).then(pl.lit(name)).otherwise(base)
    return pl.when(pl.col("_unit_dim").is_in(["share", "ratio", "share_change"])).then(base)


def _refine_from_discourse(quantities: pl.LazyFrame) -> pl.LazyFrame:
    """Generic figures carry on what the text just said: investment after FDI is FDI, a change after growth is growth.

    "Of this, $5 billion was FDI. It included 126 new projects with registered capital of $750 million": the
    capital names no investor, the sentence before did. "GRDP increased by 7.06 %; Binh Duong increased by
    6.84 %": a change naming no measure of its own continues the growth just before it.
    """
    order = ("doc_id",)
    refined = pl.col("metric").is_in(REFINED_INVESTMENT)
    last_refined = pl.when(refined).then(pl.col("metric")).forward_fill().shift(1).over(order, order_by="char_start")
    last_refined_sentence = (
        pl.when(refined).then(pl.col("sentence_no")).forward_fill().shift(1).over(order, order_by="char_start")
    )
    previous_metric = pl.col("metric").shift(1).over(order, order_by="char_start")
    previous_unit = pl.col("unit").shift(1).over(order, order_by="char_start")
    previous_sentence = pl.col("sentence_no").shift(1).over(order, order_by="char_start")
    carries_investor = (
        (pl.col("metric") == "investment")
        & pl.col("_refined").is_null()
        & (pl.col("sentence_no") - last_refined_sentence <= 1)
    )
    carries_growth = (
        (pl.col("metric") == "yoy_change")
        & pl.col("_changed").is_null()
        & (previous_metric == "growth_rate")
        & (previous_unit == pl.col("unit"))
        & (pl.col("sentence_no") - previous_sentence <= 1)
    )
    return quantities.with_columns(
        metric=pl.when(carries_investor)
        .then(last_refined)
        .when(carries_growth)
        .then(pl.lit("growth_rate"))
        .otherwise(pl.col("metric"))
    )


def _inherit_from_list(quantities: pl.LazyFrame) -> pl.LazyFrame:
    """Figures listed after one with a base take its base and metric when they have no base of their own.

    "agriculture accounting for 45 percent; industry 16.7 percent; and services 38.3 percent".
    """
    within = ("doc_id", "sentence_no")
    gap = pl.col("char_start") - pl.col("char_end").shift(1).over(within, order_by="char_start")
    same_unit = pl.col("unit") == pl.col("unit").shift(1).over(within, order_by="char_start")
    # A list runs on while figures of one unit follow closely; a figure with a base of its own heads a new one.
    starts = ~(same_unit & (gap <= LIST_GAP_CHARS)).fill_null(False) | pl.col("base").is_not_null()
    run = ("doc_id", "sentence_no", "_run")
    head_base = pl.col("base").first().over(run, order_by="char_start")
    head_metric = pl.col("metric").first().over(run, order_by="char_start")
    inherits = pl.col("base").is_null() & head_base.is_not_null()
    return (
        quantities.with_columns(_run=starts.cast(pl.Int32).cum_sum().over(within, order_by="char_start"))
        .with_columns(
            base=pl.when(inherits).then(head_base).otherwise(pl.col("base")),
            metric=pl.when(inherits).then(head_metric).otherwise(pl.col("metric")),
        )
        .drop("_run")
    )


def assign_metrics(quantities: pl.LazyFrame, sentences: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Quantities with `measure`, `metric`, `base` and `per`: the nearest metric keyword whose dimension fits the unit.

    A percentage is read with what it is taken of: of a plan it is `plan_fulfilment`; a change of the
    economy or a sector is a `growth_rate`, a change of anything else a `yoy_change`; a part of a
    total is a `rate`.
    """
    metrics = vocab.table("metrics")
    keywords = vocab.table("metric_keywords").join(metrics, on="metric")
    kw_key = keywords.select(
        pl.col("keyword").str.to_lowercase().alias("_kw_key"),
        "metric",
        pl.col("dimension").alias("_metric_dim"),
        pl.col("refines").alias("_refines"),
        pl.col("role").fill_null("").alias("_role"),
    )
    unit_dims = vocab.table("units").select("unit", pl.col("dimension").alias("_unit_dim")).unique("unit")
    unit_dims = pl.concat([unit_dims, pl.DataFrame({"unit": ["count"], "_unit_dim": ["count"]})])
    contexts = (
        quantities.join(sentences.select("doc_id", "sentence_no", "sentence"), on=["doc_id", "sentence_no"])
        .with_columns(
            # What follows the last ";" before the figure. Removing up to it needs no capture group,
            # which would send every prefix through the regex engine's slow capturing search.
            _context=pl.col("sentence")
            .str.slice(0, pl.col("match_start"))
            .str.replace(r"(?s)^.*;", "")
            .str.slice(-CONTEXT_CHARS)
        )
        .join(unit_dims.lazy(), on="unit", how="left")
    )
    keyword_re = "(?i)(?-u:\\b)" + vocab.regex("metric_keywords", "keyword") + "(?-u:\\b)"
    # "3.1 billion USD of FDI": a keyword right after the figure names it more surely than one before.
    after = (
        pl.col("sentence")
        .str.slice(pl.col("match_start") + pl.col("surface").str.len_chars(), CONTEXT_CHARS)
        # A currency conversion in brackets and a verb may come between: "(363.9 million USD) in tourism revenue",
        # "was capital from foreign direct investment".
        .str.extract(
            r"(?i)^\)?\s*(?:\([^)]*\)\s*)?(?:(?:was|were|is|are)\s+(?:\p{L}+\s+)?)?(?:of|in|for|from)\s+(?:the\s+)?"
            r"(?:total\s+)?(" + keyword_re[4:] + ")",
            1,
        )
    )
    contexts = contexts.with_columns(
        # A counted noun names what is counted: "302 delegates" of a district congress are not districts.
        _probe=pl.when((pl.col("unit") == "count") & pl.col("counted").is_not_null())
        .then(pl.concat_str(pl.col("counted"), pl.lit(" "), after.fill_null("")))
        .otherwise(
            # The unit names a measure too: "450,000 tonnes" is an output.
            pl.concat_str(
                pl.col("_context"),
                pl.lit(" "),
                pl.col("counted").fill_null(""),
                pl.lit(" "),
                pl.col("unit"),
                pl.lit(" "),
                after.fill_null(""),
            )
        ),
        base=_percent_base(vocab),
    )
    fits = (
        (pl.col("_metric_dim") == pl.col("_unit_dim"))
        | ((pl.col("_unit_dim") == "ratio") & (pl.col("_metric_dim") != "duration"))
        | ((pl.col("_unit_dim") == "share_change") & (pl.col("_metric_dim") == "share"))
    )
    hits = (
        find_spans(
            contexts.select("doc_id", "char_start", "_unit_dim", "_probe"), "_probe", keyword_re, match_col="_kw"
        )
        .with_columns(_kw_key=pl.col("_kw").str.to_lowercase().str.replace_all(r"\s+", " "))
        .join(kw_key.lazy(), on="_kw_key")
        .sort("match_end")
        .group_by("doc_id", "char_start")
        .agg(
            # A cue ("domestic", "foreign") only narrows a metric named by another keyword.
            pl.col("metric").filter(fits & (pl.col("_role") != "cue")).last().alias("_kw_metric"),
            pl.col("_kw").filter(fits & (pl.col("_role") != "cue")).last().alias("_kw_measure"),
            # The measure a change verb is about: "GRDP increased by 8 %" is growth, "revenue rose 8 %" is not.
            pl.col("metric")
            .filter((pl.col("metric") != "yoy_change") & (pl.col("_role") != "sector"))
            .last()
            .alias("_changed"),
            # "Agriculture increased by 3 %": a sector named with no other measure is the economy's growth.
            (pl.col("_role") == "sector").any().alias("_sector"),
            # "FDI projects ... with investment capital of": a narrower metric named anywhere near refines the nearest.
            pl.col("metric").filter(fits & pl.col("_refines").is_not_null()).last().alias("_refined"),
            # "for domestic and foreign investors": both cues say nothing about whose money it is.
            pl.col("metric").filter(fits & pl.col("_refines").is_not_null()).n_unique().alias("_refinements"),
            pl.col("_refines").filter(fits & pl.col("_refines").is_not_null()).last().alias("_refined_of"),
        )
    )
    per_of_metric = metrics.select("metric", pl.col("per").alias("_metric_per"))
    # "19 sample fields with a total area of", "six industrial parks covering": the area of counted things is
    # a land use, not the area of a place.
    # "18 industrial zones approved by the Prime Minister with a total area of": words may come between.
    things_area = pl.col("_context").str.contains(
        r"(?i)(?:\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?))\s+(?:[\p{L}-]+\s+){0,3}"
        r"[\p{L}-]+s\s+(?:[\p{L}-]+\s+){0,6}?(?:with|covering|having|spanning|on)\s+(?:a\s+|an\s+)?(?:total\s+)?"
        r"(?:combined\s+)?(?:natural\s+|land\s+)?area\b"
        # "to house 21 industrial complexes on about 700ha".
        r"|(?:\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?))\s+(?:[\p{L}-]+\s+){0,3}"
        r"[\p{L}-]+s\s+(?:on|covering|spanning|over)\s*$"
    )
    density = metrics.filter(pl.col("per").is_not_null() & (pl.col("dimension") == "persons")).select(
        pl.col("metric").alias("_per_metric"), pl.col("per").alias("per"), pl.col("dimension").alias("_unit_dim")
    )
    keyword_metric = (
        pl.when(pl.col("unit") == "party_members")
        .then(pl.lit("party_members"))
        # "representing 131,487 party members ... and 160 invited delegates": delegates are not members.
        .when(
            (pl.col("_kw_metric") == "party_members")
            & (pl.col("unit") == "persons")
            & ~pl.col("counted").fill_null("").str.contains(r"(?i)\bmembers?\b")
        )
        .then(pl.lit("other"))
        .when(
            (pl.col("_kw_metric") == "yoy_change")
            & (pl.col("_changed").is_in(["growth_rate", "grdp"]) | (pl.col("_changed").is_null() & pl.col("_sector")))
        )
        .then(pl.lit("growth_rate"))
        .when((pl.col("_kw_metric") == pl.col("_refined_of")) & (pl.col("_refinements") == 1))
        .then(pl.col("_refined"))
        .otherwise(pl.coalesce("_per_metric", "_kw_metric"))
    )
    share_metric = (
        pl.when(pl.col("base") == "plan")
        .then(pl.lit("plan_fulfilment"))
        .when(
            (pl.col("base") == "previous_period")
            & ~pl.col("_metric").is_in(["growth_rate", "poverty_rate"]).fill_null(False)
        )
        .then(pl.lit("yoy_change"))
        .when((pl.col("base") == "total") & pl.col("_metric").is_in(["growth_rate", "yoy_change"]))
        .then(pl.lit("rate"))
        .when(pl.col("_metric").is_null())
        .then(pl.lit("rate"))
        .otherwise(pl.col("_metric"))
    )
    return (
        contexts.join(hits, on=["doc_id", "char_start"], how="left")
        .join(density.lazy(), on=["per", "_unit_dim"], how="left")
        .with_columns(_metric=keyword_metric)
        .with_columns(
            _metric=pl.when((pl.col("_metric") == "area") & things_area)
            .then(pl.lit("land_use_area"))
            .otherwise(pl.col("_metric"))
        )
        .with_columns(
            metric=pl.when(pl.col("unit") == "percent")
            .then(share_metric)
            # "A 23-year-old", "12 years old", "aged 45": an age; any other duration is a duration.
            .when((pl.col("_unit_dim") == "duration") & pl.col("surface").str.contains(r"(?i)[-\s]old$"))
            .then(pl.lit("age"))
            .when(pl.col("_unit_dim") == "duration")
            .then(pl.coalesce("_metric", pl.lit("duration")))
            # "A 20-fold rise", "a 2.19-fold increase": a multiple named as a change is one against the period before.
            .when(
                (pl.col("unit") == "times")
                & pl.col("sentence")
                .str.slice(pl.col("match_start") + pl.col("surface").str.len_chars(), 12)
                .str.contains(r"(?i)^\s+(?:rise|increase|growth|jump|surge|gain|hike)(?-u:\b)")
            )
            .then(pl.lit("yoy_change"))
            .otherwise(pl.col("_metric"))
            .fill_null("other")
        )
        .pipe(_inherit_from_list)
        .pipe(_refine_from_discourse)
        # A growth rate or a change is taken of the period before, said or not.
        .with_columns(
            base=pl.when(pl.col("base").is_null() & pl.col("metric").is_in(["growth_rate", "yoy_change"]))
            .then(pl.lit("previous_period"))
            .otherwise(pl.col("base"))
        )
        .join(per_of_metric.lazy(), on="metric", how="left")
        .with_columns(
            per=pl.coalesce("per", "_metric_per"),
            measure=pl.coalesce(
                pl.col("counted"),
                pl.col("_kw_measure").str.replace_all(r"\s+", " "),
                pl.when(pl.col("unit") == "percent").then(pl.lit("share")),
                pl.when(pl.col("unit") == "party_members").then(pl.lit("party members")),
                pl.when(pl.col("unit") == "persons").then(pl.lit("people")),
            ),
        )
        .drop(
            "sentence",
            "_context",
            "_probe",
            "_unit_dim",
            "_kw_metric",
            "_kw_measure",
            "_changed",
            "_sector",
            "_refined",
            "_refined_of",
            "_refinements",
            "_per_metric",
            "_metric",
            "_metric_per",
        )
    )
