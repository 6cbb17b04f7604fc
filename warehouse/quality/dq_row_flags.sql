-- quality.dq_row_flags: one row per flagged row per expectation per run.
create table if not exists quality.dq_row_flags (
    run_id varchar not null,
    table_name varchar not null,
    row_key varchar not null,
    expectation varchar not null,
    rule varchar not null,
    severity varchar not null,
    quality_status varchar not null,
    message varchar not null,
    suggested_value double,
    suggested_unit varchar
);
