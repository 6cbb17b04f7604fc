"""Property tests: any text goes through the whole text stage, and every span cuts its text out of the original."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.extract import collect_all, extract_documents
from transforms.vocabulary import Vocabulary

# Columns that hold the text a row's `char_start`/`char_end` point at.
SPAN_TEXT_COLUMNS = ("surface", "sentence", "date_text")

# Pieces of real portal pages, so that generated texts reach every extractor.
FRAGMENTS = st.sampled_from(
    [
        "2.6 million people",
        "US$8,720 billion",
        "VND24.8bln",
        "68,358 billion VND",
        "more than",
        "up to 5.6%/year",
        "7.1% per year",
        "10–12 households",
        "6-7%",
        "No. 03-NQ/TU",
        "Resolution",
        " dated November 25, 2021",
        "Mr. Nguyen Van Loi - Secretary of the Provincial Party Committee",
        "Comrades: ",
        "Prof.Dr. ",
        "Provincial Party Secretary Nguyen Van Loi",
        "On the morning of May 24, in Thu Dau Mot City, ",
        "the seminar",
        "Thai Binh city",
        "Binh Duong",
        "Hà Nội",
        "Covid-19",
        "13th",
        "after 25 years",
        "Group 1",
        "Views: 292",
        "Lượt người xem: \u00a0Views: \u00a0 292",
        "Cỡ chữ: Font size",
        "IMG_ông cdp5735.jpg",
        "PORTAL - ",
        ". ",
        ", ",
        "; ",
        " - ",
        "(",
        ")",
        '"',
        "\u00a0",
        "\t",
        "\r",
        "\x00",
        "\u2028",
        "’",
    ]
)
NUMBERS = st.from_regex(r"\d{1,3}(,\d{3}){0,3}(\.\d{1,3})?|\d{1,2}/\d{1,2}(/\d{4})?", fullmatch=True)
PIECES = st.one_of(FRAGMENTS, NUMBERS, st.text(max_size=4))
LINES = st.one_of(
    st.lists(PIECES, max_size=25).map("".join),
    # Day/month pairs that are often not in the calendar, with and without a year.
    st.builds(
        "On {}/{}{}, they held a meeting.".format,
        st.integers(0, 99),
        st.integers(0, 99),
        st.sampled_from(["", "/2023", "/0000"]),
    ),
    # Publication lines, some with impossible dates or times.
    st.builds(
        "Thứ 5, Ngày {}/{}/{}, {}:{:02d}".format,
        st.integers(0, 40),
        st.integers(0, 14),
        st.integers(1, 9999),
        st.integers(0, 30),
        st.integers(0, 70),
    ),
    # Long lines.
    st.builds(lambda piece, n: piece * n, FRAGMENTS, st.integers(50, 300)),
    st.text(),
)
DOCUMENTS = st.one_of(
    st.text(),
    st.tuples(st.sampled_from(["\n", "\r\n", "\n\n"]), st.lists(LINES, min_size=1, max_size=6)).map(
        lambda parts: parts[0].join(parts[1])
    ),
)


# Each example is a batch of documents: the text stage has a fixed cost per call, not per document.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=st.lists(DOCUMENTS, min_size=1, max_size=8))
def test_any_text_extracts_with_exact_spans(vocab: Vocabulary, texts: list[str]) -> None:
    by_id = {f"d{i}": text for i, text in enumerate(texts)}
    staged = collect_all(extract_documents(pl.LazyFrame({"doc_id": list(by_id), "text": texts}), vocab))
    assert staged["stg_articles"]["doc_id"].sort().to_list() == sorted(by_id)
    for table, frame in staged.items():
        for column in SPAN_TEXT_COLUMNS:
            if not {"char_start", "char_end", column} <= set(frame.columns):
                continue
            for row in frame.select("doc_id", "char_start", "char_end", column).iter_rows(named=True):
                text = by_id[row["doc_id"]]
                assert text[row["char_start"] : row["char_end"]] == row[column], (table, row)
