"""The whole text stage: raw documents in, staging frames out."""

from __future__ import annotations

import polars as pl

from transforms.articles import build_articles, publication_dates
from transforms.clean import classify_lines, split_lines
from transforms.documents import find_document_refs
from transforms.events import find_events
from transforms.people import find_people
from transforms.periods import assign_kinds, assign_periods
from transforms.places import article_places, assign_subjects, find_places
from transforms.quantities import assign_metrics, find_quantities
from transforms.segment import split_sentences
from transforms.vocabulary import Vocabulary

# Bump when extraction changes: documents extracted by an older version are redone.
EXTRACTOR_VERSION = "2026.12.08-8"


def extract_documents(docs: pl.LazyFrame, vocab: Vocabulary) -> dict[str, pl.LazyFrame]:
    """Staging frames for a batch of documents (`doc_id`, `text`), keyed by table name."""
    # Lines, sentences and place mentions feed several tables: cache() makes polars compute each
    # once per collect instead of once per consumer.
    lines = classify_lines(split_lines(docs), vocab).cache()
    sentences = split_sentences(lines).cache()
    published = publication_dates(lines).cache()
    mentions = find_places(sentences, published, vocab).cache()
    places = article_places(mentions).cache()
    articles = build_articles(lines, places)
    # Each assign_* step reads its input twice (a join back onto itself): without cache() the
    # quantity regex ran once per path through them, four times per batch.
    quantities = find_quantities(sentences, vocab).cache()
    quantities = assign_metrics(quantities, sentences, vocab).cache()
    quantities = assign_periods(quantities, sentences, published).cache()
    quantities = assign_kinds(quantities, sentences, published)
    quantities = assign_subjects(quantities, mentions, places, sentences, vocab)
    return {
        "stg_articles": articles,
        "stg_sentences": sentences.select("doc_id", "sentence_no", "line_kind", "char_start", "char_end", "sentence"),
        "stg_quantities": quantities.drop("match_start", "counted"),
        "stg_person_mentions": find_people(sentences, vocab),
        "stg_document_refs": find_document_refs(sentences, vocab),
        "stg_events": find_events(sentences, articles, vocab),
    }


def collect_all(frames: dict[str, pl.LazyFrame]) -> dict[str, pl.DataFrame]:
    """Every staging frame computed in one pass over shared sub-plans."""
    names = list(frames)
    # The streaming engine (polars 2's default) spends more time scheduling morsels than a batch of
    # sentences needs: the in-memory engine does the same work with 10-15 % less CPU.
    return dict(zip(names, pl.collect_all([frames[n] for n in names], engine="in-memory"), strict=True))
