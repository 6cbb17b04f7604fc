-- staging.stg_extractions: one row per document whose staging rows are current, with the extractor version that made them.
create table if not exists staging.stg_extractions (
    doc_id varchar primary key,
    extractor_version varchar not null,
    extracted_at timestamp not null
);
