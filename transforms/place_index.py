"""Place names of every administrative level, found in one automaton pass and resolved in their article."""

from __future__ import annotations

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
# "the district", "this commune": a unit named earlier, of that level.
REFERENCE = re.compile(
    r"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+(island district|special zone|district|commune|ward|town|city|province|island)\b"
    r"(?!\s+(?:of|level|-level|and|or|[Pp]arty|[Pp]eople))"
)
# Industrial parks and zones are subjects of their own.
_CAPITALISED = r"[^\W\d_a-z][\w'’-]*"
INDUSTRIAL = re.compile(
    # In the plural ("Vinh Phuc Industrial Parks") they are the province's parks taken together: the province's.
    rf"\b(?:{_CAPITALISED}\s+){{1,4}}(?:Industrial Park|Industrial Zone|Industrial Cluster|Economic Zone"
    r"|Hi-[Tt]ech Park|High-[Tt]ech Park|Export Processing Zone|IP|EZ)\b"
    # "Long An Economic Zone Management Board" is the agency that speaks, not the zone.
    r"(?!\s+(?:Management|Authority|Board))"
)
# Roads, bridges, plants and projects are subjects of their own ("Bien Hoa - Vung Tau expressway").
PROJECT = re.compile(
    rf"\b(?:{_CAPITALISED}(?:\s+-\s+|\s+|-)){{1,6}}(?:[Ee]xpressway|[Hh]ighway|[Rr]oad|[Bb]ridge|[Aa]irport|[Ss]eaport"
    r"|[Pp]ort|[Pp]roject|[Cc]omplex|[Pp]ower [Pp]lant|[Pp]lant)\b"
)
# The country: a figure "nationwide" or "of the whole country" is not the article's province's.
COUNTRY = re.compile(
    r"\b(?:(?:Vietnam|Viet Nam)(?='s|’s)|(?<=in |of )(?:Vietnam|Viet Nam)\b(?!\s+[A-Z])|nationwide"
    r"|(?:the )?(?:whole|entire) country|national average|[Nn]ationally)\b"
)
# Capitalised words and a level word: a local place the gazetteer may not hold ("Ben Da hamlet").
_LOCAL = re.compile(
    r"\b((?:[^\W\d_a-z][^\W_]*[\s-]+){1,4}?)(hamlet|village|islands|island|district|commune|ward|town)\b"
)
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
    table.update({ord("đ"): "d", ord("Đ"): "d", ord("-"): " ", ord("–"): " ", ord("\u00a0"): " "})
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case ASCII letters for Vietnamese ones, hyphens as spaces, one character for each: offsets hold."""
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
    regions: re.Pattern[str] | None = None
    region_names: dict[str, str] | None = None

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
        automaton = ahocorasick.Automaton()
        for key, candidates in entries.items():
            automaton.add_word(key, (key, tuple(candidates)))
        automaton.make_automaton()
        region_names = {}
        for row in regions.iter_rows(named=True):
            for spelling in [row["name"], *(row["aliases"] or "").split("|")]:
                if spelling:
                    region_names[spelling.lower()] = row["name"]
        spellings = sorted(region_names, key=len, reverse=True)
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in spellings) + r")\b", re.IGNORECASE)
        return cls(automaton, successors, by_id, pattern, region_names)

    def hits(self, sentence: str) -> list[tuple[int, int, tuple[Unit, ...]]]:
        """Non-overlapping, capitalised, whole-word spellings in a sentence, longest first."""
        folded = fold(sentence)
        found = []
        for end, (key, candidates) in self.automaton.iter(folded):
            start, stop = end - len(key) + 1, end + 1
            if (start > 0 and folded[start - 1].isalnum()) or (stop < len(folded) and folded[stop].isalnum()):
                continue
            if not _capitalised(sentence, start, stop):
                continue
            found.append((start, stop, candidates))
        found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        kept: list[tuple[int, int, tuple[Unit, ...]]] = []
        for hit in found:
            if not kept or hit[0] >= kept[-1][1]:
                kept.append(hit)
            elif hit[1] - hit[0] > kept[-1][1] - kept[-1][0] and hit[0] < kept[-1][1]:
                kept[-1] = hit
        return kept

    def related(self, province_ids: set[str]) -> set[str]:
        """The provinces and the units before or after the 2025 merger that cover the same land."""
        out = set(province_ids)
        for p in province_ids:
            out |= self.successors.get(p, set())
        return out


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
    if len(candidates) > 1 and era:
        same_era = [c for c in candidates if c.era in (era, "any")]
        candidates = same_era or candidates
    return candidates[0] if len(candidates) == 1 else None


def resolve_document(
    index: PlaceIndex, sentences: list[tuple[int, str]], published: date | datetime | None
) -> list[Mention]:
    """Place mentions of one document: gazetteer units resolved by the article's provinces and districts."""
    era = _era_of(published)
    raw: list[Mention] = []
    for sentence_no, sentence in sentences:
        # A place inside a park's or a road's name is part of that name ("Bien Hoa - Vung Tau expressway").
        named = _named_sites(sentence, sentence_no)
        raw += named
        taken: list[tuple[int, int]] = [(m.start, m.end) for m in named]
        for start, stop, candidates in index.hits(sentence):
            if any(stop > s and start < e for s, e in taken):
                continue
            after = _UNIT_AFTER.match(sentence, stop)
            word = after.group(1).lower() if after else None
            # "Ward 2", "District 1": the level word is part of the name.
            numbered = _NUMBERED.match(sentence, start, stop)
            # "Dong Ha is a mountain commune in ...": the sentence says what level the name is.
            copula = None if after or numbered else _COPULA.match(sentence, stop)
            if numbered or copula:
                word = (numbered or copula).group(1).lower()
                kinds = WORD_KINDS[word]
                fitting = tuple(c for c in candidates if c.kind in kinds)
                end = stop
            elif word:
                kinds = WORD_KINDS[word]
                fitting = tuple(c for c in candidates if c.kind in kinds)
                end = after.end()
            else:
                fitting = tuple(c for c in candidates if c.level in ("province", "district"))
                end = stop
            if not fitting and not (word and not sentence[start].isdigit()):
                continue
            if _aside(sentence, start, end):
                continue
            raw.append(
                Mention(sentence_no, start, end, sentence[start:end], None, "", "", None, "named", word, fitting)
            )
            taken.append((start, end))
        for m in _local_mentions(index, sentence, sentence_no, taken):
            raw.append(m)
    raw.sort(key=lambda m: (m.sentence_no, m.start))
    _mark_locatives(raw, dict(sentences))
    _resolve(index, raw, era)
    return _carry(index, raw)


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
            at_level = [c for c in m.candidates if c.level == level]
            if not at_level or m.place_id:
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


def _aside(sentence: str, start: int, end: int) -> bool:
    """Whether a name stands in brackets after another ("Long Son commune (Vung Tau city)"): its parent."""
    return sentence[:start].rstrip().endswith("(") and re.match(r"\s*(?:province\s*)?\)", sentence[end:]) is not None


def _named_sites(sentence: str, sentence_no: int) -> list[Mention]:
    out: list[Mention] = []
    for pattern, kind in ((INDUSTRIAL, "industrial_park"), (PROJECT, "project")):
        for match in pattern.finditer(sentence):
            text = _NOT_PLACE_START.sub("", match.group())
            start = match.end() - len(text)
            # "This road", "The project": a reference, not a name.
            if (
                not text[:1].isupper()
                or " " not in text.strip()
                or any(match.end() > m.start and start < m.end for m in out)
            ):
                continue
            out.append(Mention(sentence_no, start, match.end(), text, None, kind, "local", None, "named"))
    return out


def _local_mentions(index: PlaceIndex, sentence: str, sentence_no: int, taken: list[tuple[int, int]]) -> list[Mention]:
    out = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    if index.regions is not None and index.region_names is not None:
        for match in index.regions.finditer(sentence):
            if free(match.start(), match.end()):
                name = index.region_names[match.group().lower()]
                out.append(
                    Mention(sentence_no, match.start(), match.end(), name, None, "region", "region", None, "named")
                )
                taken.append((match.start(), match.end()))
    for match in COUNTRY.finditer(sentence):
        if free(match.start(), match.end()):
            out.append(
                Mention(sentence_no, match.start(), match.end(), "Vietnam", None, "country", "country", None, "named")
            )
            taken.append((match.start(), match.end()))
    for match in _LOCAL.finditer(sentence):
        name = _NOT_PLACE_START.sub("", match.group(1))
        start = match.start(1) + len(match.group(1)) - len(name)
        if not name.strip() or not free(start, match.end()):
            continue
        word = match.group(2).lower()
        kind, level = LOCAL_WORDS.get(word, ("district" if word in ("district", "town") else "commune", ""))
        level = level or kind
        out.append(
            Mention(sentence_no, start, match.end(), sentence[start : match.end()], None, kind, level, None, "named")
        )
        taken.append((start, match.end()))
    for match in REFERENCE.finditer(sentence):
        if free(match.start(), match.end()):
            out.append(
                Mention(
                    sentence_no,
                    match.start(),
                    match.end(),
                    match.group(),
                    None,
                    "",
                    "",
                    None,
                    "carried",
                    match.group(1).lower(),
                )
            )
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
