-- staging.stg_document_refs: one row per mention of a numbered document.
create table if not exists staging.stg_document_refs (
    doc_id varchar not null,
    sentence_no integer not null,
    char_start bigint not null,
    char_end bigint not null,
    surface varchar not null,
    doc_type varchar not null,
    number varchar not null,
    issued_on date,
    code_doc_type varchar
);
