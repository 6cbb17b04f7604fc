-- staging.stg_sentences: one row per sentence of article content.
create table if not exists staging.stg_sentences (
    doc_id varchar not null,
    sentence_no integer not null,
    line_kind varchar not null,
    char_start bigint not null,
    char_end bigint not null,
    sentence varchar not null
);
