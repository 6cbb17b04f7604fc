"""What each count of a run summary means, said the same way in the terminal and in the Prefect artifact."""

from __future__ import annotations

# Summary keys and their labels; keys not listed are shown with their name.
LABELS = {
    "documents_seen": "files in the landing folder",
    "documents_new": "files new",
    "documents_changed": "files changed",
    "documents_unchanged": "files unchanged",
    "documents_duplicate": "files duplicating a document held",
    "documents_rejected": "files rejected (raw.ingest_log)",
    "documents_deleted": "files deleted",
    "documents_extracted": "documents extracted",
    "expectations_passed": "expectations passed",
    "expectations_failed": "expectations failed (carried-over failures included)",
    "rows_flagged": "fct_quantities rows not ok (quality_status)",
    "row_flags": "row flags, every table and rule (quality.dq_row_flags)",
    "check_rows_validated": "check rows Great Expectations read",
    "flags_carried": "row flags carried over from unchanged rows",
    "published_files": "Parquet files in the publication",
    "partitions_written": "Parquet partitions written",
    "partitions_linked": "Parquet partitions reused (hard links)",
}


def label(key: str) -> str:
    """The words for summary key `key`."""
    return LABELS.get(key, key.replace("_", " "))
