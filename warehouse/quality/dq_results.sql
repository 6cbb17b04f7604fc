-- quality.dq_results: one row per expectation per run.
create table if not exists quality.dq_results (
    run_id varchar not null,
    checked_at timestamp not null,
    suite varchar not null,
    table_name varchar not null,
    expectation varchar not null,
    rule varchar not null,
    severity varchar not null,
    success boolean not null,
    element_count bigint,
    unexpected_count bigint,
    observed_value varchar,
    note varchar
);
