-- raw.ingest_log: one row per file per run, saying what ingest did with it.
create table if not exists raw.ingest_log (
    run_id varchar not null,
    source_path varchar not null,
    status varchar not null,
    reason varchar,
    doc_id varchar,
    size_bytes bigint,
    logged_at timestamp not null
);
