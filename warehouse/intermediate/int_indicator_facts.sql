-- int_indicator_facts: one row per fact that states an indicator (a place's metric for a period, of one kind), keyed by
-- indicator_id, with whether it may be chosen and how it ranks: what marts.fct_indicators reconciles.
-- A fact counts when the text states its subject and its period, and its article is not quarantined. A fact
-- flagged by any rule but the disagreement between articles is not usable. An estimate is an early actual, and
-- is not final. What a figure is measured against (base) and the unit's dimension are part of the grain: GRDP
-- growth and GRDP in VND are two indicators. Built with the marts and again once validation has flagged the facts.
with


units as (
    -- Money stays in its currency: the reference rate of units.csv only tests magnitudes.
    select distinct
        unit,
        dimension,
        case when dimension = 'money' then unit else base_unit end as base_unit,
        case when dimension = 'money' then 1 else cast(to_base as double) end as to_base
    from reference.units
),

tolerances as (
    select
        metric,
        cast(tolerance as double) as tolerance
    from reference.conflict_tolerances
),

last_validation as (
    select run_id from quality.validations
    order by validated_at desc
    limit 1
),

doubted as (
    -- Facts a rule flagged, other than the disagreement between articles that an indicator reconciles.
    select distinct row_key as fact_id
    from quality.dq_row_flags
    where
        table_name = 'fct_quantities'
        and rule != 'conflicts'
        and run_id in (select last_validation.run_id from last_validation)
),

quarantined as (
    -- Articles held back from publishing (quality.quarantine): their facts feed no indicator.
    select distinct article_id
    from quality.quarantine
    where run_id in (select last_validation.run_id from last_validation)
),

facts as (
    select
        quantities.fact_id,
        quantities.article_id,
        quantities.subject_place_id as place_id,
        quantities.metric,
        quantities.period,
        quantities.period_type,
        quantities.period_start,
        quantities.period_end,
        quantities.figure_kind,
        quantities.qualifier,
        quantities.quality_status,
        quantities.published_at,
        quantities.char_start,
        case when quantities.figure_kind = 'estimate' then 'actual' else quantities.figure_kind end as kind,
        coalesce(quantities.base, 'level') as base,
        coalesce(units.base_unit, quantities.unit) || coalesce('/' || quantities.per, '') as unit,
        quantities.value * coalesce(units.to_base, 1) as value,
        quantities.value_max * coalesce(units.to_base, 1) as value_max,
        quantities.fact_id not in (select doubted.fact_id from doubted) as usable,
        -- A final figure replaces an estimate of the same period.
        quantities.figure_kind != 'estimate' and quantities.qualifier != 'estimated' as is_final
    from marts.fct_quantities as quantities
    left join units on quantities.unit = units.unit
    where
        quantities.subject_place_id is not null
        and quantities.article_id not in (select quarantined.article_id from quarantined)
        and quantities.subject_source in ('clause', 'sentence', 'carried', 'article')
        and quantities.period is not null
        and quantities.figure_kind is not null
        -- Generic metrics ("other", a bare "rate") name no indicator, nor how long something lasts or how old
        -- someone is.
        and quantities.metric not in ('other', 'rate', 'duration', 'age')
        and quantities.value is not null
        and coalesce(units.dimension, 'count') != 'ratio'
),

keyed as (
    select
        facts.*,
        -- Figures of one indicator agree when they differ by no more than rounding, or the metric's tolerance.
        coalesce(tolerances.tolerance, 0.01) as tolerance,
        left(md5(concat_ws('|', facts.place_id, facts.metric, facts.base, facts.unit, facts.period, facts.kind)), 16)
            as indicator_id
    from facts
    left join tolerances on facts.metric = tolerances.metric
),

support as (
    -- For each usable fact: how many articles give a usable figure that agrees with it.
    select
        mine.fact_id,
        count(distinct theirs.article_id) as agreeing_articles
    from keyed as mine
    inner join keyed as theirs
        on
            mine.indicator_id = theirs.indicator_id
            and theirs.usable
            and abs(theirs.value - mine.value) <= mine.tolerance * greatest(abs(mine.value), abs(theirs.value))
    where mine.usable
    group by mine.fact_id
),

ranked as (
    -- The chosen fact: a final figure before an estimate, then the value most articles agree on, then the
    -- latest published, then an exact figure before a bound ("more than 500"), then the first in its article
    -- (an article that gives several figures of one indicator leads with the whole before its parts).
    select
        keyed.*,
        support.agreeing_articles,
        row_number() over (
            partition by keyed.indicator_id
            order by
                keyed.usable desc,
                keyed.is_final desc,
                support.agreeing_articles desc nulls last,
                keyed.published_at desc nulls last,
                keyed.qualifier = 'exact' desc,
                keyed.char_start,
                keyed.fact_id asc
        ) as choice
    from keyed
    left join support on keyed.fact_id = support.fact_id
)

select * from ranked
