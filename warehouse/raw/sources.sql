-- raw.sources: one row per (file path, content) pair seen in the landing folder, with when it was seen and gone.
create table if not exists raw.sources (
    source_path varchar not null,
    doc_id varchar not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    first_seen_at timestamp not null,
    last_seen_at timestamp not null,
    superseded_at timestamp,
    deleted_at timestamp,
    primary key (source_path, doc_id)
);
