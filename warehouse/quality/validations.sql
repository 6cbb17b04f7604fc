-- quality.validations: one row per validation, with how many rows Great Expectations read.
create table if not exists quality.validations (
    run_id varchar not null,
    validated_at timestamp not null,
    as_of date not null,
    suites_fingerprint varchar not null,
    scope varchar not null,
    rows_total bigint not null,
    rows_validated bigint not null,
    flags_carried bigint not null
);
