-- int_fact_comparable: one row per fact of every article, its value in base units and the key it can conflict on.
with

all_facts as (
    -- rowid names a row even where fact_id is not unique (which a check below flags).
    select
        rowid as fact_row,
        article_id,
        surface,
        value,
        unit,
        qualifier,
        metric,
        subject_place_id,
        subject_source,
        period,
        -- An estimate is an early actual; a target or a forecast is never compared with either.
        case when figure_kind = 'estimate' then 'actual' else coalesce(figure_kind, 'actual') end as figure_class
    from intermediate.int_quantities
),

units as (
    select distinct
        unit,
        dimension,
        base_unit,
        cast(to_base as double) as to_base
    from reference.units
),

conflict_tolerances as (
    select
        metric,
        cast(tolerance as double) as tolerance
    from reference.conflict_tolerances
),

comparable as (
    -- Every fact in base units: an article's facts are compared with those of all the others.
    select
        all_facts.fact_row,
        all_facts.article_id,
        all_facts.surface,
        coalesce(units.dimension, 'count') as unit_dimension,
        coalesce(units.base_unit, all_facts.unit) as base_unit,
        -- A ratio ("1.3 times") has no magnitude of its own to test.
        case when units.dimension != 'ratio' then all_facts.value * coalesce(units.to_base, 1) end as value_base,
        -- Facts stated as exact or estimated, of a metric with a conflict tolerance, conflict with facts of
        -- the same key in other articles; a key with a null part (no subject or period) matches none. Targets and
        -- forecasts are compared only with targets and forecasts.
        case
            when
                all_facts.qualifier in ('exact', 'estimated')
                and all_facts.subject_source in ('clause', 'sentence', 'carried', 'article')
                and all_facts.metric in (select conflict_tolerances.metric from conflict_tolerances)
                then
                    all_facts.subject_place_id || '|' || all_facts.metric || '|' || all_facts.period
                    || '|' || coalesce(units.dimension, 'count') || '|' || all_facts.figure_class
        end as conflict_key
    from all_facts
    left join units on all_facts.unit = units.unit
),

final as (
    select * from comparable
)

select * from final
