"""Deterministic synthetic corpus: variants of the sample articles in seeds/raw/, sized in MB.

Each document is one sample article with its figures rescaled (formats kept: "2,717", "5.6%",
"68,358 billion VND", zero-padded "09"), its dates, years and times moved, its people renamed
(surname + given syllables recombined) and its provinces swapped for others of
seeds/reference/provinces.csv. Document i depends only on (seed, i, edition), so a smaller
corpus is a prefix of a larger one and the same arguments give a byte-identical folder.

    python -m benchmarks.corpus --mb 20            # -> benchmarks/corpus/20mb/
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "raw"
REFERENCE = ROOT / "seeds" / "reference"
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
MB = 1_000_000
GENERATOR_VERSION = 1

_MONTH_WORDS = "January February March April May June July August September October November December"
MONTHS = tuple(_MONTH_WORDS.split())
# Given-name syllables recombined with the surnames; the samples' own syllables are added to these.
_GIVEN_WORDS = """
    Van Thi Minh Hoang Quoc Ngoc Thanh Huu Duc Anh Dung Hai Lan Mai Tuan Hung Phuong Thao Thuy Long Nam Son
    Trung Khanh Linh Hieu Tam Binh Cuong Dat Giang Hanh Hoa Huong Kien Loc Nhung Phuc Quang Tien Trang Vinh
    Xuan Yen Bao Chau Diep Hien Tri
"""
GIVEN = tuple(_GIVEN_WORDS.split())
# A capitalised word after these is an organisation or a place, not a person ("Thai Thuy District").
_NOT_PERSON_AFTER = re.compile(
    r"^\s+(?:District|City|Province|Provincial|Party|Ward|Commune|Town|city|district|province|town|"
    r"Industrial|Economic|People)\b"
)
_KEEP_NAMES = {"Ho Chi Minh"}


@dataclass(frozen=True)
class Vocab:
    """What the generator recombines: sample texts, provinces, surnames, given syllables."""

    templates: tuple[str, ...]
    provinces: tuple[str, ...]
    surnames: tuple[str, ...]
    given: tuple[str, ...]
    pattern: re.Pattern[str]


def load_vocab() -> Vocab:
    """Sample articles and name lists, read once."""
    templates = tuple(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    with open(REFERENCE / "provinces.csv", encoding="utf-8") as handle:
        provinces = tuple(row["name"] for row in csv.DictReader(handle))
    with open(REFERENCE / "surnames.csv", encoding="utf-8") as handle:
        # The samples spell names without diacritics; so do the variants.
        surnames = tuple(sorted({r["surname"] for r in csv.DictReader(handle) if r["surname"].isascii()}))
    pattern = _pattern(provinces, surnames)
    harvested = {
        syllable
        for text in templates
        for m in pattern.finditer(text)
        if m.lastgroup == "person"
        for syllable in m.group("person").split()[1:]
    }
    return Vocab(templates, provinces, surnames, tuple(sorted(set(GIVEN) | harvested)), pattern)


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=lambda w: (-len(w), w)))


def _pattern(provinces: tuple[str, ...], surnames: tuple[str, ...]) -> re.Pattern[str]:
    # Alternatives are tried in this order at each position: dates, places, people, then numbers.
    month = "|".join(MONTHS)
    return re.compile(
        rf"(?P<mdate>\b(?:{month})\s+\d{{1,2}}(?:,\s+(?:19|20)\d{{2}})?\b(?!\s*%)(?![\w,.]\d))"
        rf"|(?P<monthyear>\b(?:{month})\s+(?:19|20)\d{{2}}\b)"
        rf"|(?P<ndate>(?<![\w/.-])\d{{1,2}}[/-]\d{{1,2}}[/-](?:19|20)\d{{2}}(?![\w/]))"
        rf"|(?P<time>(?<![\w:])\d{{1,2}}:\d{{2}}(?![\w:]))"
        rf"|(?P<place>\b(?:{_alternation(provinces)})\b)"
        rf"|(?P<person>\b(?:{_alternation(surnames)})(?:[ \t]+[A-Z][a-z]{{1,6}}){{1,3}}\b)"
        rf"|(?P<years>(?<![\w.,/-])(?:19|20)\d{{2}}(?:\s*[-–]\s*(?:19|20)\d{{2}})?(?![\w/%]|[.,]\d))"
        rf"|(?P<grouped>(?<![\w.,/-])\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?(?!\w|[.,]\d))"
        rf"|(?P<decimal>(?<![\w.,/-])\d+\.\d+(?!\w|[.,]\d))"
        rf"|(?P<integer>(?<![\w.,/-])\d+(?!\w|[.,]\d))"
    )


class _Variant:
    """The replacements of one document, consistent within it (one name, one place, one year shift)."""

    def __init__(self, vocab: Vocab, rng: random.Random) -> None:
        self.vocab = vocab
        self.rng = rng
        self.year_shift = rng.randint(-4, 0)
        self.scale = rng.uniform(0.6, 1.6)
        self.places: dict[str, str] = {}
        self.people: dict[str, str] = {}

    def __call__(self, m: re.Match[str]) -> str:
        kind, text = m.lastgroup, m.group()
        return getattr(self, f"_{kind}")(text, m)

    def _year(self, year: int) -> int:
        return year + self.year_shift

    def _mdate(self, text: str, m: re.Match[str]) -> str:
        parts = re.match(r"(\w+)(\s+)(\d{1,2})(?:(,\s+)(\d{4}))?", text)
        day = self.rng.randint(1, 28)
        day_s = f"{day:02d}" if parts.group(3).startswith("0") else str(day)
        out = f"{self.rng.choice(MONTHS)}{parts.group(2)}{day_s}"
        if parts.group(5):
            out += f"{parts.group(4)}{self._year(int(parts.group(5)))}"
        return out

    def _monthyear(self, text: str, m: re.Match[str]) -> str:
        return f"{self.rng.choice(MONTHS)} {self._year(int(text.split()[-1]))}"

    def _ndate(self, text: str, m: re.Match[str]) -> str:
        sep = "/" if "/" in text else "-"
        day, month, year = text.split(sep)
        d, mo = self.rng.randint(1, 28), self.rng.randint(1, 12)
        d_s = f"{d:0{len(day)}d}"
        mo_s = f"{mo:0{len(month)}d}"
        return f"{d_s}{sep}{mo_s}{sep}{self._year(int(year))}"

    def _time(self, text: str, m: re.Match[str]) -> str:
        return f"{self.rng.randint(6, 21):02d}:{self.rng.choice((0, 15, 30, 45)):02d}"

    def _place(self, text: str, m: re.Match[str]) -> str:
        key = re.sub(r"\s+", " ", text)
        if key not in self.places:
            taken = set(self.places.values())
            choices = [p for p in self.vocab.provinces if p not in taken] or list(self.vocab.provinces)
            self.places[key] = self.rng.choice(choices)
        return self.places[key]

    def _person(self, text: str, m: re.Match[str]) -> str:
        if text in _KEEP_NAMES or _NOT_PERSON_AFTER.match(m.string, m.end()):
            return text
        if text not in self.people:
            count = len(text.split()) - 1
            self.people[text] = " ".join(
                [self.rng.choice(self.vocab.surnames), *(self.rng.choice(self.vocab.given) for _ in range(count))]
            )
        return self.people[text]

    def _years(self, text: str, m: re.Match[str]) -> str:
        return re.sub(r"(?:19|20)\d{2}", lambda y: str(self._year(int(y.group()))), text)

    def _factor(self) -> float:
        # One document-wide scale, jittered per figure, so totals and parts stay roughly coherent.
        return self.scale * self.rng.uniform(0.85, 1.15)

    def _grouped(self, text: str, m: re.Match[str]) -> str:
        decimals = len(text.split(".")[1]) if "." in text else 0
        value = max(float(text.replace(",", "")) * self._factor(), 1000.0)
        return f"{value:,.{decimals}f}"

    def _decimal(self, text: str, m: re.Match[str]) -> str:
        decimals = len(text.split(".")[1])
        value = float(text) * self._factor()
        if m.string.startswith("%", m.end()) and float(text) <= 100:
            value = min(value, 99.9)
        return f"{max(value, 0.1):.{decimals}f}"

    def _integer(self, text: str, m: re.Match[str]) -> str:
        n = int(text)
        if n < 10:
            value = self.rng.randint(1, 9)
        else:
            value = max(10, round(n * self._factor()))
            if m.string.startswith("%", m.end()) and n <= 100:
                value = min(value, 100)
        return f"{value:0{len(text)}d}" if text.startswith("0") and len(text) > 1 else str(value)


def document(vocab: Vocab, seed: int, index: int, edition: int = 0) -> str:
    """Text of document `index`; another `edition` is the same article revised (for change runs)."""
    rng = random.Random(f"newsfacts-corpus:{GENERATOR_VERSION}:{seed}:{index}:{edition}")
    template = vocab.templates[rng.randrange(len(vocab.templates))]
    return vocab.pattern.sub(_Variant(vocab, rng), template)


def file_name(index: int) -> str:
    """Landing-folder name of document `index`."""
    return f"{index // 1000:03d}/{index:07d}.txt"


def default_folder(mb: float) -> Path:
    """Where a corpus of `mb` megabytes goes unless told otherwise."""
    return CORPUS_DIR / f"{mb:g}mb"


def generate(mb: float, folder: Path | None = None, seed: int = 0) -> dict:
    """Write documents until they total `mb` × 10^6 bytes; returns the corpus manifest."""
    folder = folder or default_folder(mb)
    manifest_path = folder / "corpus.json"
    wanted = {"generator_version": GENERATOR_VERSION, "seed": seed, "target_mb": mb}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(k) == v for k, v in wanted.items()):
            return manifest
    shutil.rmtree(folder, ignore_errors=True)
    vocab = load_vocab()
    digest = hashlib.sha256()
    seen: set[bytes] = set()
    total, index = 0, 0
    while total < mb * MB:
        data = document(vocab, seed, index).encode("utf-8")
        key = hashlib.sha256(data).digest()
        if key in seen:
            raise RuntimeError(f"document {index} repeats an earlier one; change the generator")
        seen.add(key)
        path = folder / file_name(index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        digest.update(key)
        total += len(data)
        index += 1
    manifest = {**wanted, "documents": index, "bytes": total, "sha256": digest.hexdigest()}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def revise(folder: Path, manifest: dict, fraction: float, edition: int = 1) -> list[str]:
    """Rewrite `fraction` of the documents of a landing copy with another edition; returns their paths."""
    vocab = load_vocab()
    count = max(1, round(manifest["documents"] * fraction))
    rng = random.Random(f"newsfacts-revise:{manifest['seed']}:{edition}")
    chosen = sorted(rng.sample(range(manifest["documents"]), count))
    for index in chosen:
        path = folder / file_name(index)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(document(vocab, manifest["seed"], index, edition).encode("utf-8"))
        # A new inode: the landing copy may hard-link the corpus, which must stay as generated.
        tmp.replace(path)
    return [file_name(i) for i in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, required=True, help="target size in MB (10^6 bytes)")
    parser.add_argument("--out", type=Path, help="folder (default benchmarks/corpus/<mb>mb/)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    manifest = generate(args.mb, args.out, args.seed)
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
