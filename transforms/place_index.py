"""Place names of every administrative level, found in one automaton pass and resolved in their article."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import ahocorasick
import polars as pl

# Units of the 63 provinces ended, and those of the 34 began, on this day (Resolution 202/2025/QH15).
REORGANISED_ON = date(2025, 7, 1)
LEVEL_OF_KIND = {
    "province": "province",
    "city": "province",
    "district": "district",
    "urban_district": "district",
    "town": "district",
    "provincial_city": "district",
    "commune": "commune",
    "ward": "commune",
    "township": "commune",
    "special_zone": "commune",
}
# What a subject of each kind of unit is called in fct_quantities.subject_kind.
SUBJECT_KIND = {kind: level for kind, level in LEVEL_OF_KIND.items()} | {"province": "province", "city": "city"}
# The word an English text puts after a unit's name.
UNIT_WORD = {
    "district": "district",
    "urban_district": "district",
    "town": "town",
    "provincial_city": "city",
    "commune": "commune",
    "ward": "ward",
    "township": "township",
    "special_zone": "special zone",
}
_DISTRICTS = frozenset({"district", "urban_district", "town", "provincial_city"})
_ISLANDS = _DISTRICTS | {"special_zone", "commune", "township"}
# The kinds of unit a word written after a name can mean ("Con Dao district", "Ly Son island district").
WORD_KINDS: dict[str, frozenset[str]] = {
    "province": frozenset({"province"}),
    "city": frozenset({"city", "provincial_city"}),
    "municipality": frozenset({"city"}),
    "district": _DISTRICTS,
    "island district": _DISTRICTS,
    "town": frozenset({"town", "township"}),
    "commune": frozenset({"commune"}),
    "island commune": frozenset({"commune"}),
    "ward": frozenset({"ward"}),
    "township": frozenset({"township"}),
    "special zone": frozenset({"special_zone"}),
    "island": _ISLANDS,
    "islands": _ISLANDS,
}
# Local places no gazetteer lists: their level word, the subject kind and level they get.
LOCAL_WORDS = {
    "hamlet": ("other", "local"),
    "village": ("other", "local"),
    "island": ("other", "local"),
    "islands": ("other", "local"),
}
_UNIT_AFTER = re.compile(
    r"\s*(?:-\s*)?(island district|island commune|special zone|municipality|district|town|city|commune|ward"
    r"|township|province|islands|island)\b",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"(district|ward)\s+\d", re.IGNORECASE)
_COPULA = re.compile(
    r"\s+is\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(island district|special zone|district|commune|ward|township|town)\b"
)
# "the district", "this commune": a unit named earlier, of that level; "the district level", "the province's
# People's Committee" are not.
REFERENCE_WORDS = frozenset(
    {"island district", "special zone", "district", "commune", "ward", "town", "city", "province", "island"}
)
_DETERMINER_BEFORE = re.compile(r"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+$")
_NOT_A_REFERENCE = re.compile(r"\s+(?:of|level|-level|and|or|[Pp]arty|[Pp]eople)\b|-level")
_CAPITALISED = r"[^\W\d_a-z][\w'’-]*"
# Industrial parks and zones, roads, bridges, plants and projects are subjects of their own ("Long Hau
# Industrial Park", "Bien Hoa - Vung Tau expressway"): the word that says what they are, found first, and the
# capitalised name right before it. In the plural ("Vinh Phuc Industrial Parks") parks are the province's
# parks taken together, the province's; "Long An Economic Zone Management Board" is the agency that speaks.
SITE_WORDS = {
    **dict.fromkeys(
        ("Industrial Park", "Industrial Zone", "Industrial Cluster", "Economic Zone", "Hi-tech Park", "High-tech Park",
         "Export Processing Zone", "IP", "EZ"),
        "industrial_park",
    ),
    **dict.fromkeys(
        ("expressway", "highway", "road", "bridge", "airport", "seaport", "port", "project", "complex", "power plant",
         "plant"),
        "project",
    ),
}  # fmt: skip
_AGENCY_AFTER = re.compile(r"\s+(?:Management|Authority|Board)\b")
_NAME_BEFORE = re.compile(rf"(?:{_CAPITALISED}(?:\s+-\s+|\s+|-)){{1,6}}$")
# How far before its kind word a site's or a local place's name may start.
NAME_CHARS = 120
# The country: a figure "nationwide" or "of the whole country" is not the article's province's.
# "Vietnam" alone is the country only as "Vietnam's" or "in/of Vietnam" not followed by a name ("Vietnam News").
COUNTRY_WORDS = (
    "vietnam",
    "viet nam",
    "nationwide",
    "whole country",
    "entire country",
    "national average",
    "nationally",
)
_COUNTRY_NAMES = frozenset({"vietnam", "viet nam"})
_COUNTRY_NAME_AFTER = re.compile(r"['’]s\b")
_COUNTRY_NAME_BEFORE = re.compile(r"\b(?:in|of)\s$")
_NAME_AFTER = re.compile(r"\s+[A-Z]")
# Every word that says a unit's level, after a name ("Ben Da hamlet") or a determiner ("the district").
LEVEL_WORDS = (
    "island district", "special zone", "district", "commune", "ward", "town", "city", "province", "islands", "island",
    "hamlet", "village",
)  # fmt: skip
LOCAL_LEVEL_WORDS = frozenset({"hamlet", "village", "islands", "island", "district", "commune", "ward", "town"})
_LOCAL_NAME_BEFORE = re.compile(r"(?:[^\W\d_a-z][^\W_]*[\s-]+){1,4}$")
# Capitalised words that open a sentence, not a place ("In Thai Binh city", "The Con Dao district").
_NOT_PLACE_START = re.compile(
    r"^(?:(?:In|At|On|From|To|Of|For|By|With|The|This|That|These|Those|And|Meanwhile|Particularly|Especially|Also)\s+)+"
)


def _fold_table() -> dict[int, str]:
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        base = unicodedata.normalize("NFKD", chr(cp))[0]
        if base.isascii() and base.isalpha():
            table[cp] = base.lower()
    table.update({ord("đ"): "d", ord("Đ"): "d"})
    # Every other character that is no letter or digit is a space: names are matched as whole words.
    # An underscore stays: "of_Kien_Giang_Province" is an image's file name, not a place named in the text.
    for cp in [*range(0x80), 0xA0, *range(0x2000, 0x2070)]:
        if not chr(cp).isalnum() and chr(cp) != "_":
            table[cp] = " "
    return table


_FOLD = _fold_table()


def fold_expr(column: str) -> pl.Expr:
    """`fold` as a polars expression: one Aho-Corasick pass of single characters, in Rust."""
    return pl.col(column).str.replace_many([chr(cp) for cp in _FOLD], list(_FOLD.values()))


def fold(text: str) -> str:
    """Lower-case ASCII letters for Vietnamese ones, punctuation as spaces, one character for each: offsets hold."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Unit:
    """One administrative unit of the gazetteer."""

    place_id: str
    name: str
    kind: str
    level: str
    province_id: str
    parent_id: str | None
    era: str  # "legacy" (before July 2025), "2025" or "any"

    @property
    def label(self) -> str:
        """How a subject names it: the province's name, else the name with its unit word ("Con Dao district")."""
        if self.level == "province":
            return self.name
        word = UNIT_WORD[self.kind]
        return f"{word.capitalize()} {self.name}" if self.name.isdigit() else f"{self.name} {word}"


@dataclass
class PlaceIndex:
    """Every spelling of every unit, in one Aho-Corasick automaton over folded text."""

    automaton: ahocorasick.Automaton
    successors: dict[str, set[str]]
    provinces: dict[str, Unit]

    @classmethod
    def build(
        cls, provinces: pl.DataFrame, provinces_2025: pl.DataFrame, units: pl.DataFrame, regions: pl.DataFrame
    ) -> PlaceIndex:
        """The index of the two provinces tables, the districts and communes of `admin_units`, and the regions."""
        entries: dict[str, list[Unit]] = {}
        successors: dict[str, set[str]] = {}
        by_id: dict[str, Unit] = {}

        def add(spelling: str, unit: Unit) -> None:
            for variant in {spelling, spelling.replace(" - ", "-"), spelling.replace("-", " - ")}:
                key = fold(variant.strip())
                if len(key) > 1 and unit not in entries.setdefault(key, []):
                    entries[key].append(unit)

        for era, table in (("legacy", provinces), ("2025", provinces_2025)):
            for row in table.iter_rows(named=True):
                unit = Unit(row["place_id"], row["name"], row["kind"], "province", row["place_id"], None, "any")
                by_id.setdefault(row["place_id"], unit)
                for spelling in [row["name"], row["name_vi"], *(row["aliases"] or "").split("|")]:
                    if spelling:
                        add(spelling, unit)
                related = (row.get("merged_into_place_id") or "") if era == "legacy" else (row.get("formed_from") or "")
                for other in filter(None, related.split("|")):
                    successors.setdefault(row["place_id"], set()).add(other)
                    successors.setdefault(other, set()).add(row["place_id"])
        for row in units.iter_rows(named=True):
            era = "2025" if row["valid_from"] else "legacy"
            parent = row["parent_place_id"] if row["level"] == "commune" and era == "legacy" else None
            unit = Unit(row["place_id"], row["name"], row["kind"], row["level"], row["province_place_id"], parent, era)
            if row["name"].isdigit():
                # Numbered urban districts and wards are written "District 1", "Ward 12".
                add(f"{UNIT_WORD[row['kind']]} {row['name']}", unit)
            else:
                add(row["name"], unit)
                add(row["name_vi"], unit)
        # Vietnam's six regions and their common English names ("Central Highlands", "Tay Nguyen").
        for row in regions.iter_rows(named=True):
            unit = Unit(f"region:{row['name']}", row["name"], "region", "region", "", None, "any")
            for spelling in [row["name"], *(row["aliases"] or "").split("|")]:
                if spelling:
                    add(spelling, unit)
        # The words that say what a site or a level is ride the same automaton: one pass finds them all.
        keywords: dict[str, list[tuple[str, str]]] = {}
        for word, kind in SITE_WORDS.items():
            keywords.setdefault(fold(word), []).append(("site", kind))
        for word in LEVEL_WORDS:
            keywords.setdefault(fold(word), []).append(("level", word))
        for word in COUNTRY_WORDS:
            keywords.setdefault(fold(word), []).append(("country", word))
        automaton = ahocorasick.Automaton()
        # Keys between spaces, scanned in a text between spaces: only whole words match ("con" is not in "construct").
        for key in entries.keys() | keywords.keys():
            automaton.add_word(f" {key} ", (len(key), tuple(entries.get(key, ())), tuple(keywords.get(key, ()))))
        automaton.make_automaton()
        return cls(automaton, successors, by_id)

    def hits(self, sentence: str) -> list[tuple[int, int, tuple[Unit, ...]]]:
        """Non-overlapping, capitalised, whole-word spellings in a text, longest first."""
        return self.scan(sentence)[0]

    def scan(
        self, sentence: str, folded: str | None = None
    ) -> tuple[list[tuple[int, int, tuple[Unit, ...]]], list[tuple[int, int, str, str]]]:
        """Place names (as `hits`) and the site, level and country words (`start, stop, role, kind or word`).

        `folded` is `fold(sentence)` where the caller has it (polars folds a batch's sentences at once).
        """
        padded = f" {fold(sentence) if folded is None else folded} "
        found = []
        words = []
        for end, (length, candidates, keywords) in self.automaton.iter(padded):
            # The key's own spaces are its first and last characters; offsets drop the text's leading space.
            start, stop = end - length - 1, end - 1
            for role, what in keywords:
                if _written_as_keyword(sentence[start:stop], role, what):
                    words.append((start, stop, role, what))
            # Most hits are English words that spell a name ("an", "long"): a lower-case first letter ends them here.
            if not candidates or sentence[start].islower() or not _capitalised(sentence, start, stop):
                continue
            found.append((start, stop, candidates))
        found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        kept: list[tuple[int, int, tuple[Unit, ...]]] = []
        for hit in found:
            if not kept or hit[0] >= kept[-1][1]:
                kept.append(hit)
            elif hit[1] - hit[0] > kept[-1][1] - kept[-1][0] and hit[0] < kept[-1][1]:
                kept[-1] = hit
        # "island district" is one level word, not "island" and "district"; "power plant" one site word.
        words.sort(key=lambda w: (w[0], w[0] - w[1]))
        longest: list[tuple[int, int, str, str]] = []
        for word in words:
            if not longest or word[0] >= longest[-1][1]:
                longest.append(word)
        return kept, longest

    def related(self, province_ids: set[str]) -> set[str]:
        """The provinces and the units before or after the 2025 merger that cover the same land."""
        out = set(province_ids)
        for p in province_ids:
            out |= self.successors.get(p, set())
        return out


def _written_as_keyword(written: str, role: str, what: str) -> bool:
    """Whether a keyword is written in its case: level words lower case, park names capitalised, "IP" upper case."""
    if role == "level":
        return written.islower()
    if role == "country":
        return True
    if what == "industrial_park":
        return written.isupper() if len(written) == 2 else written[0].isupper()
    return True


def _capitalised(sentence: str, start: int, stop: int) -> bool:
    for i in range(start, stop):
        if (i == start or sentence[i - 1] in " -–\u00a0") and sentence[i].isalpha() and not sentence[i].isupper():
            return False
    return True


@dataclass
class Mention:
    """A place named or referred to in a sentence."""

    sentence_no: int
    start: int
    end: int
    place: str
    place_id: str | None
    kind: str
    level: str
    province_id: str | None
    source: str  # "named" or "carried"
    word: str | None = None
    candidates: tuple[Unit, ...] = ()
    locative: bool = False


def _era_of(published: date | datetime | None) -> str | None:
    if published is None:
        return None
    day = published.date() if isinstance(published, datetime) else published
    return "2025" if day >= REORGANISED_ON else "legacy"


def _choose(candidates: list[Unit], era: str | None) -> Unit | None:
    if not candidates:
        return None
    # One unit under two names (Thua Thien Hue before 2025, Hue after) is one candidate.
    candidates = list({c.place_id: c for c in reversed(candidates)}.values())[::-1]
    if len(candidates) > 1 and era:
        same_era = [c for c in candidates if c.era in (era, "any")]
        candidates = same_era or candidates
    return candidates[0] if len(candidates) == 1 else None


def resolve_document(
    index: PlaceIndex,
    sentences: list[tuple[int, str]],
    published: date | datetime | None,
    folded: list[str] | None = None,
) -> list[Mention]:
    """Place mentions of one document: gazetteer units resolved by the article's provinces and districts.

    Each pattern and the automaton scan the document once, its sentences joined by newlines; a match is then
    placed in its sentence (a name never spans two).
    """
    era = _era_of(published)
    doc = _Document(sentences, folded)
    # A place inside a park's or a road's name is part of that name ("Bien Hoa - Vung Tau expressway").
    places, words = index.scan(doc.text, doc.folded)
    raw = _named_sites(doc, [w for w in words if w[2] == "site"])
    for start, stop, candidates in places:
        k, offset = doc.locate(start)
        sentence, sentence_no = doc.parts[k], doc.numbers[k]
        start, stop = start - offset, stop - offset
        if not doc.free(sentence_no, start, stop):
            continue
        region = next((c for c in candidates if c.level == "region"), None)
        if region is not None:
            raw.append(Mention(sentence_no, start, stop, region.name, None, "region", "region", None, "named"))
            doc.take(sentence_no, start, stop)
            continue
        after = _UNIT_AFTER.match(sentence, stop)
        word = after.group(1).lower() if after else None
        # "Ward 2", "District 1": the level word is part of the name.
        numbered = _NUMBERED.match(sentence, start, stop)
        # "Dong Ha is a mountain commune in ...": the sentence says what level the name is.
        copula = None if after or numbered else _COPULA.match(sentence, stop)
        if numbered or copula:
            word = (numbered or copula).group(1).lower()
            fitting = tuple(c for c in candidates if c.kind in WORD_KINDS[word])
            end = stop
        elif word:
            fitting = tuple(c for c in candidates if c.kind in WORD_KINDS[word])
            end = after.end()
        else:
            fitting = tuple(c for c in candidates if c.level in ("province", "district"))
            end = stop
        if not fitting and not (word and not sentence[start].isdigit()):
            continue
        if _aside(sentence, start, end):
            continue
        raw.append(Mention(sentence_no, start, end, sentence[start:end], None, "", "", None, "named", word, fitting))
        doc.take(sentence_no, start, end)
    raw += _local_mentions(doc, words)
    raw.sort(key=lambda m: (m.sentence_no, m.start))
    _mark_locatives(raw, dict(sentences))
    _resolve(index, raw, era)
    return _carry(index, raw)


class _Document:
    """A document's sentences joined by newlines, and which spans of each are already a mention."""

    def __init__(self, sentences: list[tuple[int, str]], folded: list[str] | None = None) -> None:
        self.numbers = [no for no, _ in sentences]
        self.parts = [text for _, text in sentences]
        self.starts: list[int] = []
        position = 0
        for part in self.parts:
            self.starts.append(position)
            position += len(part) + 1
        self.text = "\n".join(self.parts)
        self.folded = None if folded is None else " ".join(folded)
        self.taken: dict[int, list[tuple[int, int]]] = {}

    def locate(self, position: int) -> tuple[int, int]:
        """The index of the sentence holding a position of the text, and where that sentence starts."""
        k = bisect.bisect_right(self.starts, position) - 1
        return k, self.starts[k]

    def free(self, sentence_no: int, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken.get(sentence_no, ()))

    def take(self, sentence_no: int, start: int, end: int) -> None:
        self.taken.setdefault(sentence_no, []).append((start, end))


def _resolve(index: PlaceIndex, mentions: list[Mention], era: str | None) -> None:
    named = {
        c.place_id
        for m in mentions
        for c in m.candidates
        if c.level == "province" and (len(m.candidates) == 1 or m.word in ("province", "city", None))
    }
    # An article naming no province gets it from a district only one province has ("Con Dao district").
    if not named:
        for m in mentions:
            districts = {c.province_id for c in m.candidates if c.level == "district"}
            if m.word and len(districts) == 1:
                named |= districts
    districts: set[str] = set()
    for level in ("province", "district", "commune"):
        context = index.related(named)
        # Districts ended on 1 July 2025: an undated article that names them speaks of the units before.
        if level == "commune" and era is None and districts:
            era = "legacy"
        for m in mentions:
            if m.place_id:
                continue
            at_level = [c for c in m.candidates if c.level == level]
            if not at_level:
                continue
            # A commune of a district the article names; else of a province it names (itself before the one it
            # merged into); else, for a province or a district one province has, the only unit of that name.
            in_district = [c for c in at_level if c.parent_id in districts]
            direct = [c for c in at_level if c.province_id in named]
            # A province named by its old name reaches the communes of the province it merged into, since 2025.
            related = [c for c in at_level if c.province_id in context and c.era == "2025"]
            if level == "commune" and districts:
                # The article names its districts: a commune of another district of the province is no match.
                direct = [c for c in direct if c.parent_id is None]
                related = [c for c in related if c.parent_id is None]
            chosen = _choose(in_district, era) or _choose(direct, era) or _choose(related, era)
            if chosen is None and level in ("province", "district") and not (in_district or direct or related):
                chosen = _choose(at_level, era)
                if chosen and level == "district" and not m.word:
                    chosen = None
            if chosen:
                _assign(m, chosen)
                if level == "district":
                    districts.add(chosen.place_id)
                    named.add(chosen.province_id)
    for m in mentions:
        if m.place_id is None and m.kind == "" and m.word:
            # A unit word the gazetteer cannot resolve: a local place of that level, as written.
            level = {"district": "district", "island district": "district", "town": "district"}.get(
                m.word, "commune" if m.word in ("commune", "ward", "township", "special zone") else "local"
            )
            m.kind = level if level != "local" else "other"
            m.level = level
        elif m.place_id is None and m.kind == "":
            m.kind = "unresolved"


def _assign(m: Mention, unit: Unit) -> None:
    m.place_id = unit.place_id
    m.place = unit.label
    m.kind = SUBJECT_KIND[unit.kind]
    m.level = unit.level
    m.province_id = unit.province_id


# "the My An - Cao Lanh Expressway project in the Mekong Delta province of Dong Thap": a place after "in" or "of"
# that follows another place in its sentence says where that one is; the first is what the sentence is about.
_LOCATIVE_GAP = re.compile(r"\b(?:in|of|at|from|under|belonging to)\b[^,;:.()]{0,40}$")


def _mark_locatives(mentions: list[Mention], sentences: dict[int, str]) -> None:
    previous: Mention | None = None
    for m in mentions:
        if previous is not None and previous.sentence_no == m.sentence_no and previous.end <= m.start:
            gap = sentences[m.sentence_no][previous.end : m.start]
            m.locative = _LOCATIVE_GAP.search(gap) is not None
        previous = m


_PARENT_CLOSE = re.compile(r"\s*(?:province\s*)?\)")


def _aside(sentence: str, start: int, end: int) -> bool:
    """Whether a name stands in brackets after another ("Long Son commune (Vung Tau city)"): its parent."""
    bracket = sentence.rfind("(", 0, start)
    if bracket < 0 or not (bracket + 1 == start or sentence[bracket + 1 : start].isspace()):
        return False
    return _PARENT_CLOSE.match(sentence, end) is not None


def _name_before(text: str, end: int, floor: int, pattern: re.Pattern[str]) -> int | None:
    """Where the capitalised name that ends at `end` starts, if one does (never before `floor`)."""
    found = pattern.search(text, max(floor, end - NAME_CHARS), end)
    return found.start() if found else None


def _named_sites(doc: _Document, words: list[tuple[int, int, str, str]]) -> list[Mention]:
    out: list[Mention] = []
    for word_start, word_end, _, kind in words:
        if _AGENCY_AFTER.match(doc.text, word_end):
            continue
        k, offset = doc.locate(word_start)
        start = _name_before(doc.text, word_start, offset, _NAME_BEFORE)
        if start is None:
            continue
        text = _NOT_PLACE_START.sub("", doc.text[start:word_end])
        start, end = word_end - len(text) - offset, word_end - offset
        sentence_no = doc.numbers[k]
        # "This road", "The project": a reference, not a name.
        if not text[:1].isupper() or " " not in text.strip() or not doc.free(sentence_no, start, end):
            continue
        out.append(Mention(sentence_no, start, end, text, None, kind, "local", None, "named"))
        doc.take(sentence_no, start, end)
    return out


def _local_mentions(doc: _Document, words: list[tuple[int, int, str, str]]) -> list[Mention]:
    out = []
    # Cheap tests first: most documents name no country, and level words are rarer than sentences.
    for word_start, word_end, _, word in (w for w in words if w[2] == "country"):
        if word in _COUNTRY_NAMES and not (
            _COUNTRY_NAME_AFTER.match(doc.text, word_end)
            or (
                _COUNTRY_NAME_BEFORE.search(doc.text, max(0, word_start - 3), word_start)
                and not _NAME_AFTER.match(doc.text, word_end)
            )
        ):
            continue
        k, offset = doc.locate(word_start)
        no, start, end = doc.numbers[k], word_start - offset, word_end - offset
        if doc.free(no, start, end):
            out.append(Mention(no, start, end, "Vietnam", None, "country", "country", None, "named"))
            doc.take(no, start, end)
    # One scan for level words serves both the local names before them ("Ben Da hamlet") and the references
    # they end ("the district").
    for word_start, word_end, _, word in (w for w in words if w[2] == "level"):
        k, offset = doc.locate(word_start)
        no, sentence = doc.numbers[k], doc.parts[k]
        start, end = word_start - offset, word_end - offset
        determiner = _DETERMINER_BEFORE.search(sentence, max(0, start - 6), start)
        if determiner and word in REFERENCE_WORDS and not _NOT_A_REFERENCE.match(sentence, end):
            if doc.free(no, determiner.start(), end):
                out.append(
                    Mention(
                        no,
                        determiner.start(),
                        end,
                        sentence[determiner.start() : end],
                        None,
                        "",
                        "",
                        None,
                        "carried",
                        word,
                    )
                )
            continue
        if word not in LOCAL_LEVEL_WORDS:
            continue
        found = _name_before(sentence, start, 0, _LOCAL_NAME_BEFORE)
        if found is None:
            continue
        name = _NOT_PLACE_START.sub("", sentence[found:start])
        start = start - len(name)
        if not name.strip() or not doc.free(no, start, end):
            continue
        kind, level = LOCAL_WORDS.get(word, ("district" if word in ("district", "town") else "commune", ""))
        out.append(Mention(no, start, end, sentence[start:end], None, kind, level or kind, None, "named"))
        doc.take(no, start, end)
    return out


def _carry(index: PlaceIndex, mentions: list[Mention]) -> list[Mention]:
    """References ("the district") take the last unit of their level named before them; unresolved ones go.

    "The province" of an article that names only its districts or communes is their province.
    """
    last: dict[str, Mention] = {}
    named_provinces = Counter(m.place_id for m in mentions if m.place_id and m.level == "province")
    provinces = named_provinces or Counter(
        m.province_id for m in mentions if m.province_id and m.level in ("district", "commune")
    )
    main: Mention | None = None
    if provinces and provinces.most_common(1)[0][0] in index.provinces:
        unit = index.provinces[provinces.most_common(1)[0][0]]
        main = Mention(-1, 0, 0, unit.label, unit.place_id, SUBJECT_KIND[unit.kind], "province", unit.place_id, "named")
        last["province"] = main
    out = []
    for m in mentions:
        if m.source == "named":
            if m.kind == "unresolved":
                continue
            for key in _reference_keys(m):
                last[key] = m
            out.append(m)
            continue
        antecedent = last.get(m.word or "")
        # "The province" far from the last province named is the article's province, not a neighbour named once.
        if m.word == "province" and main and antecedent and m.sentence_no - antecedent.sentence_no > 2:
            antecedent = main
        if antecedent is None:
            continue
        out.append(
            Mention(
                m.sentence_no, m.start, m.end, antecedent.place, antecedent.place_id, antecedent.kind,
                antecedent.level, antecedent.province_id, "carried", locative=m.locative,
            )
        )  # fmt: skip
    return out


def _reference_keys(m: Mention) -> list[str]:
    if m.level == "province":
        return ["province", "city"] if m.kind == "city" else ["province"]
    keys = []
    if m.level == "district":
        keys.append("district")
        if m.place.endswith("city"):
            keys.append("city")
        if m.place.endswith("town"):
            keys.append("town")
    if m.level == "commune":
        keys.append({"ward": "ward", "special zone": "special zone"}.get(_last_word(m.place), "commune"))
        if m.place.endswith("special zone"):
            keys.append("special zone")
    if "island" in (m.word or "") or m.place.lower().endswith(("island", "islands", "special zone")):
        keys += ["island", "island district"]
    if m.word == "island district":
        keys.append("island district")
    return keys


def _last_word(place: str) -> str:
    return "special zone" if place.endswith("special zone") else place.rsplit(" ", 1)[-1].lower()
