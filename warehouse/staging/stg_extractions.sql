-- staging.stg_extractions: one row per document with current staging rows and the extractor version of them.
create table if not exists staging.stg_extractions (
    doc_id varchar primary key,
    extractor_version varchar not null,
    extracted_at timestamp not null
);
