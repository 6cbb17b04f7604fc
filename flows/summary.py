"""A run's summary: its typed parts, and what each count means, said the same way in the terminal and in Prefect."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import polars as pl

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
    "articles_quarantined": "articles quarantined: failed a check of their own, not published (quality.quarantine)",
    "quarantined_files": "files of the quarantined articles",
    "published_files": "Parquet files in the publication",
    "partitions_written": "Parquet partitions written",
    "partitions_linked": "Parquet partitions reused (hard links)",
}


def label(key: str) -> str:
    """The words for summary key `key`."""
    return LABELS.get(key, key.replace("_", " "))


@dataclass(frozen=True)
class IngestResult:
    """What the ingest stage found in the landing folder, by status of `raw.ingest_log`."""

    seen: int
    new: int
    changed: int
    unchanged: int
    duplicate: int
    rejected: int
    deleted: int

    @classmethod
    def from_log(cls, log: pl.DataFrame) -> IngestResult:
        statuses = dict(log.group_by("status").len().iter_rows())
        counts = {status: statuses.get(status, 0) for status in INGEST_STATUSES}
        return cls(seen=log.height - counts["deleted"], **counts)

    @property
    def anything_new(self) -> bool:
        """Whether a document arrived, changed or went: anything but unchanged files and rejections."""
        return bool(self.new or self.changed or self.duplicate or self.deleted)


INGEST_STATUSES = ("new", "changed", "unchanged", "duplicate", "rejected", "deleted")


@dataclass
class RunSummary:
    """What a run did, as a user reads it after the run and as `raw.runs.summary` keeps it.

    `record()` is the stored and returned form: a flat JSON object whose keys LABELS explain (optional
    figures a run did not produce are left out).
    """

    status: str
    ingest: IngestResult
    warehouse: str
    published: str
    documents_extracted: int = 0
    marts: dict[str, int] = field(default_factory=dict)
    expectations_passed: int = 0
    expectations_failed: int = 0
    rows_flagged: int = 0
    row_flags: int = 0
    check_rows_validated: int = 0
    flags_carried: int = 0
    articles_quarantined: int = 0
    quarantined_files: list[str] = field(default_factory=list)
    published_files: int = 0
    articles_rebuilt: int | str = 0
    inputs_fingerprint: str | None = None
    partitions_written: int | None = None
    partitions_linked: int | None = None
    published_run_id: str | None = None
    unchanged_since: str | None = None
    report: str | None = None

    def record(self) -> dict:
        """The summary as one flat JSON object (the flow's return value and `raw.runs.summary`)."""
        fields = asdict(self)
        ingest = fields.pop("ingest")
        counts = {f"documents_{name}": count for name, count in ingest.items()}
        return {"status": fields.pop("status"), **counts} | {k: v for k, v in fields.items() if v is not None}

    @classmethod
    def from_record(cls, record: dict) -> RunSummary:
        """A summary stored by `record()` (keys it does not know, such as run_id, are left out)."""
        ingest = IngestResult(**{f.name: record.get(f"documents_{f.name}", 0) for f in fields(IngestResult)})
        known = {f.name for f in fields(cls)} - {"ingest"}
        return cls(ingest=ingest, **{k: v for k, v in record.items() if k in known})
