-- staging.stg_quantities: one row per numeric mention found in a sentence.
create table if not exists staging.stg_quantities (
    doc_id varchar not null,
    sentence_no integer not null,
    char_start bigint not null,
    char_end bigint not null,
    surface varchar not null,
    value double,
    value_max double,
    unit varchar not null,
    per varchar,
    base varchar,
    qualifier varchar not null,
    metric varchar not null,
    measure varchar,
    period varchar,
    period_type varchar,
    period_source varchar,
    period_start date,
    period_end date,
    figure_kind varchar,
    subject varchar,
    subject_place_id varchar,
    subject_kind varchar,
    subject_level varchar,
    subject_source varchar
);

-- Warehouses built before `base` existed gain it; their documents are extracted again (EXTRACTOR_VERSION).
alter table staging.stg_quantities add column if not exists base varchar;
-- value_high became value_max (issue 22): the old column goes, the new one comes; documents are extracted again.
alter table staging.stg_quantities drop column if exists value_high;
alter table staging.stg_quantities add column if not exists value_max double;
-- Subjects at every level (issue 21): the level of the subject and how the text gives it.
alter table staging.stg_quantities add column if not exists subject_level varchar;
alter table staging.stg_quantities add column if not exists subject_source varchar;
-- Periods and kinds of figures (issue 23): what a figure is about in time, and whether it is an actual.
alter table staging.stg_quantities add column if not exists period_type varchar;
alter table staging.stg_quantities add column if not exists period_source varchar;
alter table staging.stg_quantities add column if not exists period_start date;
alter table staging.stg_quantities add column if not exists period_end date;
alter table staging.stg_quantities add column if not exists figure_kind varchar;
