"""A person-readable summary of one validation."""

from __future__ import annotations

import polars as pl

WORST_ROWS = 10


def markdown_summary(results: pl.DataFrame, flags: pl.DataFrame, quarantine: pl.DataFrame | None = None) -> str:
    """Markdown: counts by rule, failed expectations, quarantined articles and the worst flagged rows."""
    lines = ["# Data quality", ""]
    by_rule = (
        results.group_by("rule")
        .agg(pl.len().alias("checks"), (~pl.col("success")).sum().alias("failed"))
        .join(flags.group_by("rule").agg(pl.len().alias("flags")), on="rule", how="left")
        .sort("rule")
    )
    lines += ["| rule | checks | failed | row flags |", "|---|---|---|---|"]
    for row in by_rule.iter_rows(named=True):
        lines.append(f"| {row['rule']} | {row['checks']} | {row['failed']} | {row['flags'] or 0} |")
    failed = results.filter(~pl.col("success"))
    if failed.height:
        lines += [
            "",
            "## Failed expectations",
            "",
            "| table | expectation | severity | unexpected |",
            "|---|---|---|---|",
        ]
        for row in failed.iter_rows(named=True):
            lines.append(
                f"| {row['table_name']} | {row['expectation']} | {row['severity']} | {row['unexpected_count']} |"
            )
    if quarantine is not None and quarantine.height:
        articles = quarantine["article_id"].n_unique()
        lines += [
            "",
            f"## Quarantined articles: {articles} (not published, kept in the warehouse: quality.quarantine)",
            "",
            "| file | article | expectation | reason |",
            "|---|---|---|---|",
        ]
        for row in quarantine.iter_rows(named=True):
            reason = str(row["reason"]).replace("|", "/")
            lines.append(f"| {row['source_path']} | {row['article_id']} | {row['expectation']} | {reason} |")
    worst = flags.sort(
        pl.col("quality_status").replace_strict({"implausible": 0, "warning": 1}, default=2), "rule"
    ).head(WORST_ROWS)
    if worst.height:
        lines += ["", "## Worst rows", "", "| table | row | status | message |", "|---|---|---|---|"]
        for row in worst.iter_rows(named=True):
            message = str(row["message"]).replace("|", "/")
            lines.append(f"| {row['table_name']} | {row['row_key']} | {row['quality_status']} | {message} |")
    return "\n".join(lines) + "\n"
