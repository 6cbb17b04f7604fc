-- raw.documents: one row per distinct file content ever ingested, text decoded but untouched.
create table if not exists raw.documents (
    doc_id varchar primary key,
    sha256 varchar not null,
    source_path varchar not null,
    size_bytes bigint not null,
    encoding varchar not null,
    ingested_at timestamp not null,
    run_id varchar not null,
    text varchar not null
);
