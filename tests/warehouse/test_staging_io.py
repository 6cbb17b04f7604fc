"""Which documents the transform stage reads, and the batches it reads them in."""

from __future__ import annotations

import pytest

from transforms.extract import EXTRACTOR_VERSION
from warehouse import staging_io


@pytest.mark.parametrize(
    "pick",
    [
        lambda ids: ids,  # every document
        lambda ids: ids[::2],  # every other one: the row id range holds documents not asked for
        lambda ids: [ids[-1], ids[0]],  # the first and the last, asked in reverse
        lambda ids: ids[2:3],  # one
    ],
)
def test_fetch_documents_returns_exactly_the_batch_with_its_text(seeds, ingest, warehouse_con, pick) -> None:
    ingest()
    todo = staging_io.documents_to_extract(warehouse_con, EXTRACTOR_VERSION, full_refresh=False)
    batch = pick(todo)
    fetched = staging_io.fetch_documents(warehouse_con, batch).to_pylist()
    stored = dict(warehouse_con.execute("select doc_id, text from raw.documents").fetchall())
    assert [row["doc_id"] for row in fetched] == sorted(batch)
    assert all(row["text"] == stored[row["doc_id"]] for row in fetched)


def test_documents_to_extract_come_in_storage_order(seeds, ingest, warehouse_con) -> None:
    ingest()
    todo = staging_io.documents_to_extract(warehouse_con, EXTRACTOR_VERSION, full_refresh=False)
    in_storage = [r[0] for r in warehouse_con.execute("select doc_id from raw.documents order by rowid").fetchall()]
    assert todo == in_storage and len(todo) == 5
