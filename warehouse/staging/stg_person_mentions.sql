-- staging.stg_person_mentions: one row per mention of a named person.
create table if not exists staging.stg_person_mentions (
    doc_id varchar not null,
    sentence_no integer not null,
    char_start bigint not null,
    char_end bigint not null,
    surface varchar not null,
    honorific varchar,
    name varchar not null,
    title varchar,
    is_title_first boolean
);
