"""The gate of a validation: which failed error checks quarantine articles and which refuse the whole run."""

from __future__ import annotations

import polars as pl
import pytest

from expectations.runner import FLAG_SCHEMA, RESULT_SCHEMA
from expectations.suites import ARTICLE, RUN
from expectations.validation import Outcome, summarize

NO_FLAGS = pl.DataFrame(schema=FLAG_SCHEMA | {"message": pl.String})
GATES = pl.DataFrame({"expectation": ["article has a body", "article_id is unique"], "gate": [ARTICLE, RUN]})


def _results(failed: str) -> pl.DataFrame:
    rows = [
        {"suite": "dim_articles", "table_name": "dim_articles", "expectation": name, "rule": "structure"}
        | {"severity": "error", "success": name != failed, "element_count": 6, "unexpected_count": int(name == failed)}
        | {"observed_value": None, "note": "why"}
        for name in GATES["expectation"]
    ]
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def _quarantine(*articles: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "article_id": list(articles),
            "doc_id": [f"d-{a}" for a in articles],
            "source_path": [f"{a}.txt" for a in articles],
            "title": ["A made-up headline"] * len(articles),
            "expectation": ["article has a body"] * len(articles),
            "reason": [f"article {a} ({a}.txt) has no body text" for a in articles],
        },
        schema={c: pl.String for c in ("article_id", "doc_id", "source_path", "title", "expectation", "reason")},
    )


@pytest.mark.parametrize(
    ("failed", "quarantine", "untraced", "blocks"),
    [
        # The failing row names its article: quarantined, the run goes on.
        ("article has a body", ("a9",), {}, False),
        # One failing row names no article: it cannot be held back alone.
        ("article has a body", ("a9",), {"article has a body": 1}, True),
        # Failed without a row to name (GX raised): nothing to quarantine.
        ("article has a body", (), {}, True),
        # Keys and grain are the run's, whatever rows fail.
        ("article_id is unique", ("a9",), {}, True),
    ],
)
def test_a_failed_error_check_blocks_unless_its_rows_name_their_articles(failed, quarantine, untraced, blocks):
    outcome = summarize(
        _results(failed),
        NO_FLAGS,
        0,
        flags_carried=0,
        rows_total=6,
        rows_validated=6,
        gates=GATES,
        quarantine=_quarantine(*quarantine),
        untraced=untraced,
        articles=6,
    )

    assert bool(outcome.blocking) == blocks
    assert [a["source_path"] for a in outcome.quarantined] == [f"{a}.txt" for a in quarantine]


@pytest.mark.parametrize(
    ("held", "articles", "share", "refused"),
    [
        (1, 6, 0.2, False),  # one bad file among six: 17 %
        (1, 5, 0.2, False),  # exactly the share is allowed
        (2, 6, 0.2, True),  # 33 %: systemic
        (1, 590, 0.0, True),  # a share of 0: any quarantine refuses the run, as before the gate
        (0, 0, 0.0, False),  # an empty warehouse
    ],
)
def test_too_many_quarantined_articles_refuse_the_run(held: int, articles: int, share: float, refused: bool) -> None:
    outcome = Outcome(0, 0, 0, 0, 0, 0, 0, articles=articles, quarantined=[{"article_id": str(n)} for n in range(held)])

    refusals = outcome.refusals(share)

    assert bool(refusals) == refused
    if refused:
        assert f"{held} of {articles} articles" in refusals[0]
