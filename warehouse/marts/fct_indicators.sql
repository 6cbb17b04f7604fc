-- fct_indicators: one row per place, metric, period and kind of figure (an actual, a target or a forecast): the
-- figures the articles state for it reconciled into one value, with its status, its spread and the facts it rests on.
-- Read from marts.fct_quantities: built with the marts and again once validation has flagged the facts, because a
-- fact flagged by any rule but the disagreement between articles never becomes
-- the chosen value. A fact counts when the text states its subject and its period.
-- An estimate is an early actual: a later final figure that differs from it revises it. What a figure is
-- measured against (base: the level itself, the previous period, the plan, the total) and the unit's
-- dimension are part of the grain: GRDP growth and GRDP in VND are two indicators.
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

places as (
    select
        place_id,
        name,
        level,
        province_place_id
    from marts.dim_places
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
        and quantities.subject_source in ('clause', 'sentence', 'carried', 'article')
        and quantities.period is not null
        and quantities.figure_kind is not null
        -- Generic metrics ("other", a bare "rate") name no indicator.
        and quantities.metric not in ('other', 'rate')
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
),

chosen as (
    select
        indicator_id,
        fact_id as chosen_fact_id,
        value,
        value_max,
        tolerance,
        published_at as chosen_published_at,
        agreeing_articles,
        is_final as chosen_is_final
    from ranked
    where choice = 1 and usable
),

judged as (
    -- Each fact against the chosen value: the same figure, or a different one.
    select
        ranked.indicator_id,
        ranked.fact_id,
        ranked.article_id,
        ranked.usable,
        ranked.is_final,
        ranked.published_at,
        ranked.value,
        chosen.chosen_published_at,
        ranked.usable
        and abs(ranked.value - chosen.value) <= chosen.tolerance * greatest(abs(ranked.value), abs(chosen.value))
            as agrees
    from ranked
    left join chosen on ranked.indicator_id = chosen.indicator_id
),

sources as (
    -- Each article agrees when one of its figures is the chosen one: an article that also gives the parts of a
    -- whole (new projects and projects in all) does not disagree with itself.
    select
        indicator_id,
        article_id,
        bool_or(usable) as usable,
        bool_or(agrees) as agrees,
        bool_and(not is_final) filter (where usable) as only_estimates,
        max(published_at) as published_at,
        max(chosen_published_at) as chosen_published_at
    from judged
    group by indicator_id, article_id
),

sourced as (
    select
        indicator_id,
        count(*) filter (where usable) as n_usable_articles,
        count(*) filter (where usable and not agrees) as n_disagreeing,
        -- Every article that differs from the chosen figure gave an earlier estimate: the chosen final revises it.
        bool_and(only_estimates and published_at <= chosen_published_at)
        filter (where usable and not agrees) as only_estimates_differ
    from sources
    group by indicator_id
),

grouped as (
    select
        judged.indicator_id,
        count(*) as n_mentions,
        count(distinct judged.article_id) as n_articles,
        count(*) filter (where not judged.usable) as n_flagged,
        min(judged.value) filter (where judged.usable) as spread_min,
        max(judged.value) filter (where judged.usable) as spread_max,
        min(judged.published_at) as first_published,
        max(judged.published_at) as last_published,
        list(judged.fact_id order by judged.published_at, judged.fact_id) as fact_ids,
        list(distinct judged.article_id order by judged.article_id) as article_ids,
        any_value(sourced.n_usable_articles) as n_usable_articles,
        any_value(sourced.n_disagreeing) as n_disagreeing,
        any_value(sourced.only_estimates_differ) as only_estimates_differ
    from judged
    inner join sourced on judged.indicator_id = sourced.indicator_id
    group by judged.indicator_id
),

first_rows as (
    select * from ranked
    where choice = 1
),

final as (
    select
        first_rows.indicator_id,
        first_rows.place_id,
        places.name as place_name,
        places.level as place_level,
        places.province_place_id,
        first_rows.metric,
        first_rows.base,
        first_rows.period,
        first_rows.period_type,
        first_rows.period_start,
        first_rows.period_end,
        first_rows.kind,
        first_rows.unit,
        chosen.value,
        chosen.value_max,
        case
            when chosen.chosen_fact_id is null then 'unresolved'
            when grouped.n_disagreeing = 0 and grouped.n_usable_articles > 1 then 'agreed'
            when grouped.n_disagreeing = 0 then 'single_source'
            when chosen.chosen_is_final and grouped.only_estimates_differ then 'revised'
            else 'conflicting'
        end as status,
        case
            when chosen.chosen_fact_id is null then 'no value: every mention is flagged by the checks'
            when grouped.n_disagreeing = 0 and grouped.n_usable_articles > 1
                then grouped.n_usable_articles || ' articles agree within ' || round(chosen.tolerance * 100, 1) || ' %'
            when grouped.n_disagreeing = 0 and grouped.n_mentions > 1
                then 'the one article that states it; of its ' || grouped.n_mentions || ' figures, the first'
            when grouped.n_disagreeing = 0 then 'the one article that states it'
            when chosen.chosen_is_final and grouped.only_estimates_differ
                then
                    'the final figure, published '
                    || strftime(chosen.chosen_published_at, '%Y-%m-%d') || ', replaces the earlier estimate'
            when chosen.agreeing_articles > 1
                then
                    'the value ' || chosen.agreeing_articles || ' of ' || grouped.n_usable_articles
                    || ' articles agree on'
            else 'the latest published of ' || grouped.n_usable_articles || ' articles that disagree'
        end as chosen_reason,
        chosen.chosen_fact_id,
        grouped.spread_min,
        grouped.spread_max,
        grouped.n_mentions,
        grouped.n_articles,
        grouped.n_flagged,
        grouped.first_published,
        grouped.last_published,
        grouped.fact_ids,
        grouped.article_ids
    from first_rows
    inner join grouped on first_rows.indicator_id = grouped.indicator_id
    left join chosen on first_rows.indicator_id = chosen.indicator_id
    left join places on first_rows.place_id = places.place_id
)

select * from final
