-- staging.stg_events: one row per dated event mention.
create table if not exists staging.stg_events (
    doc_id varchar not null,
    sentence_no integer not null,
    char_start bigint not null,
    char_end bigint not null,
    date_text varchar not null,
    kind varchar,
    place varchar,
    event_date date
);
