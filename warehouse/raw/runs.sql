-- raw.runs: one row per pipeline run, with its outcome and counts.
create table if not exists raw.runs (
    run_id varchar primary key,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    extractor_version varchar not null,
    summary json
);
