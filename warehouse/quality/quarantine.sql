-- quality.quarantine: one row per article held back from publishing per failing expectation per run.
create table if not exists quality.quarantine (
    run_id varchar not null,
    quarantined_at timestamp not null,
    article_id varchar not null,
    doc_id varchar,
    source_path varchar,
    title varchar,
    table_name varchar not null,
    expectation varchar not null,
    rule varchar not null,
    failing_rows bigint not null,
    reason varchar not null
);
