-- fct_indicators: one row per place, metric, period and kind of figure (an actual, a target or a forecast): the
-- figures the articles state for it reconciled into one value, with its status, its spread and the facts it rests on.
-- Read from intermediate.int_indicator_facts (the facts keyed and ranked): the first usable fact of an indicator is
-- its chosen value; each article agrees when one of its figures is the chosen one.
with

ranked as (
    select * from intermediate.int_indicator_facts
),

places as (
    select
        place_id,
        name,
        level,
        province_place_id
    from marts.dim_places
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
