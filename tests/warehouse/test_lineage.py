"""The data-path diagram of docs/architecture.md is the one the SQL models give."""

from __future__ import annotations

from warehouse import lineage


def test_architecture_diagram_is_current() -> None:
    doc = lineage.DOC.read_text(encoding="utf-8")
    assert lineage.render(doc) == doc, "docs/architecture.md is out of date: run python -m warehouse.lineage"


def test_every_table_a_model_reads_is_built_by_a_model_or_is_reference_data() -> None:
    built = set(lineage.models())
    read = {source for source, _ in lineage.edges()}
    assert read - built <= {"reference.*"}, read - built


def test_marts_read_only_staging_raw_reference_and_other_marts() -> None:
    for source, model in lineage.edges():
        if model.startswith("marts."):
            assert source.split(".")[0] in {"staging", "raw", "reference", "marts"}, (source, model)
