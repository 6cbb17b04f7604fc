"""A Rich progress bar for ingest and extraction on a terminal; nothing at all elsewhere (CI, pipes, logs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _Rate(ProgressColumn):
    """Bytes of text per second since the stage started (MB/s on a real corpus, kB/s on the samples)."""

    def render(self, task: Task) -> Text:
        seconds, done = task.elapsed or 0, task.fields.get("bytes", 0)
        rate = f"{decimal(int(done / seconds))}/s" if seconds > 0 and done else "-"
        return Text(rate, style="progress.data.speed")


class _Reporter:
    """Where the stages report how far they are: a Rich Progress, or nothing."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def update(self, stage: str, done: int, total: int, done_bytes: int = 0) -> None:
        """`done` of `total` documents of `stage` (ingest, extract) and the bytes of text they held."""
        if self.progress is None:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total, bytes=0)
        self.progress.update(self.tasks[stage], completed=done, total=total, bytes=done_bytes)


reporter = _Reporter()


def report(stage: str, done: int, total: int, done_bytes: int = 0) -> None:
    """Tell the progress bar, if one is shown, how far `stage` is."""
    reporter.update(stage, done, total, done_bytes)


@contextmanager
def show_progress(console: Console) -> Iterator[Progress | None]:
    """Show a progress bar per stage while the block runs, if `console` is an interactive terminal."""
    if not console.is_terminal or console.is_dumb_terminal:
        yield None
        return
    progress = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("documents"),
        _Rate(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    reporter.progress, reporter.tasks = progress, {}
    try:
        with progress:
            yield progress
    finally:
        reporter.progress, reporter.tasks = None, {}
