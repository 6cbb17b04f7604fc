"""The data-path diagram of docs/architecture.md is the one the SQL models give."""

from __future__ import annotations

from warehouse import lineage, models

FINAL_MODELS = {f"marts.{name}" for name in models.FLAGGED_MARTS}


def test_architecture_diagram_is_current() -> None:
    doc = lineage.DOC.read_text(encoding="utf-8")
    assert lineage.render(doc) == doc, "docs/architecture.md is out of date: run python -m warehouse.lineage"


def test_every_table_a_model_reads_is_built_by_a_model_or_is_reference_data() -> None:
    built = set(lineage.models())
    read = {source for source, _ in lineage.edges()}
    # Validation writes the results the final model of fct_quantities joins, and the articles it quarantines,
    # whose facts the indicators leave out.
    written_by_validation = {"quality.dq_row_flags", "quality.validations", "quality.quarantine"}
    assert read - built <= {"reference.*", *written_by_validation}, read - built


def test_marts_read_only_staging_raw_reference_intermediate_and_other_marts() -> None:
    for source, model in lineage.edges():
        if model.startswith("marts.") and model not in FINAL_MODELS:
            assert source.split(".")[0] in {"staging", "raw", "reference", "intermediate", "marts"}, (source, model)


def test_only_final_models_read_validation_results() -> None:
    # A mart built from quality.* would change with each validation; only the final models may, by design.
    readers = {model for source, model in lineage.edges() if source.startswith("quality.")}
    assert {m for m in readers if m.startswith("marts.")} == FINAL_MODELS
