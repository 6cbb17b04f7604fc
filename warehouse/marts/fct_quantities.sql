-- fct_quantities: one row per numeric fact mention, with its span in raw.documents.text and its quality state.
-- The final model of the facts: intermediate.int_quantities with the row flags of the warehouse's last
-- validation folded into quality_status, quality_note and the suggested correction; a fact no rule flagged
-- is ok. Built with the marts, and after each validation for the facts whose flags may have changed.
-- Table fact_scope (a temporary table of warehouse.models) holds the facts whose rows are built.
with

facts as (
    select * from intermediate.int_quantities
    where fact_id in (select fact_scope.fact_id from fact_scope)
),

last_validation as (
    select run_id from quality.validations
    order by validated_at desc
    limit 1
),

flags as (
    select
        row_key as fact_id,
        case when bool_or(quality_status = 'implausible') then 'implausible' else 'warning' end as quality_status,
        string_agg(message, '; ' order by rule, expectation) as quality_note,
        max(suggested_value) as suggested_value,
        max(suggested_unit) as suggested_unit
    from quality.dq_row_flags
    where
        table_name = 'fct_quantities'
        and run_id in (select last_validation.run_id from last_validation)
    group by row_key
),

final as (
    select
        facts.article_id,
        facts.doc_id,
        facts.sentence_no,
        facts.surface,
        facts.char_start,
        facts.char_end,
        facts.value,
        facts.value_max,
        facts.unit,
        facts.per,
        facts.base,
        facts.measure,
        facts.metric,
        facts.subject,
        facts.subject_place_id,
        facts.subject_kind,
        facts.subject_level,
        facts.subject_source,
        facts.qualifier,
        facts.period,
        facts.period_type,
        facts.period_source,
        facts.period_start,
        facts.period_end,
        facts.figure_kind,
        facts.sentence,
        facts.published_at,
        coalesce(flags.quality_status, 'ok') as quality_status,
        flags.quality_note,
        flags.suggested_value,
        flags.suggested_unit,
        facts.fact_id
    from facts
    left join flags on facts.fact_id = flags.fact_id
)

select * from final
