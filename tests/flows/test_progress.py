"""The progress bar: counts, MB/s and time left on a terminal, nothing elsewhere; fed by ingest and extraction."""

from __future__ import annotations

import io
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from flows import progress
from tests.conftest import REFERENCE, SEEDS


def test_a_terminal_shows_documents_done_rate_and_time_left() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)

    with progress.show_progress(console) as bar:
        progress.report("extract", 3, 4, 3_000_000)
        bar.refresh()

    shown = screen.getvalue()
    assert "extract" in shown and "3/4" in shown and "documents" in shown and re.search(r"\d MB/s", shown)


def test_nothing_is_shown_when_not_on_a_terminal() -> None:
    screen = io.StringIO()

    with progress.show_progress(Console(file=screen, force_terminal=False)) as bar:
        progress.report("extract", 3, 4, 3_000_000)

    assert bar is None and screen.getvalue() == ""
    assert progress.reporter.progress is None


def test_ingest_and_extraction_report_every_document(
    prefect_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest_landing
    from flows.transform import transform_documents
    from transforms.reference import load_vocabulary
    from warehouse import db

    calls: list[tuple] = []
    monkeypatch.setattr(progress.reporter, "update", lambda *args: calls.append(args))
    landing = tmp_path / "landing"
    shutil.copytree(SEEDS, landing)
    work = db.begin_build(tmp_path / "w.duckdb", "run-1")
    now = datetime(2024, 3, 1, 8, 0)

    ingest_landing(work, landing, "run-1", now, 1_000_000)
    transform_documents(work, load_vocabulary(REFERENCE), now, batch_docs=2, in_flight=1)

    ingest = [call for call in calls if call[0] == "ingest"]
    extract = [call for call in calls if call[0] == "extract"]
    seed_bytes = sum(p.stat().st_size for p in SEEDS.glob("*.txt"))
    assert ingest[-1][1:] == (5, 5, seed_bytes)
    # One report before the first batch and one per batch of two: 0, 2, 4, 5 of 5.
    assert [call[1] for call in extract] == [0, 2, 4, 5] and {call[2] for call in extract} == {5}
    text_bytes = sum(len(p.read_text(encoding="utf-8").encode()) for p in SEEDS.glob("*.txt"))
    assert 0.9 * text_bytes < extract[-1][3] <= 1.1 * text_bytes
