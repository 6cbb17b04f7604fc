-- chk_keys: one row per row of the marts whose own check tables do not test their keys (people, places,
-- roles, document references, events, indicators): its key, how many rows share it and whether the rows it points
-- to exist.
-- Rebuilt whole at every check build: people and places belong to no one article.
with

people as (
    select person_id from marts.dim_people
),

places as (
    select place_id from marts.dim_places
),

roles as (
    select
        role_id,
        person_id,
        article_id
    from marts.fct_person_roles
),

refs as (
    select
        ref_id,
        article_id
    from marts.fct_document_refs
),

events as (
    select
        event_id,
        article_id
    from marts.fct_events
),

articles as (
    select article_id from marts.dim_articles
),

indicator_facts as (
    -- An indicator rests on facts of fct_quantities: every one of them must be there.
    select
        indicators.indicator_id,
        count(*) = count(quantities.fact_id) as has_facts
    from (select
        indicator_id,
        unnest(fact_ids) as fact_id
    from marts.fct_indicators) as indicators
    left join marts.fct_quantities as quantities on indicators.fact_id = quantities.fact_id
    group by indicators.indicator_id
),

keyed as (
    select
        'dim_people' as mart,
        cast(person_id as varchar) as row_key,
        cast(null as varchar) as article_id,
        true as has_article,
        true as has_person,
        true as has_facts
    from people
    union all
    select
        'dim_places' as mart,
        place_id as row_key,
        null as article_id,
        true as has_article,
        true as has_person,
        true as has_facts
    from places
    union all
    select
        'fct_person_roles' as mart,
        role_id as row_key,
        article_id,
        article_id in (select articles.article_id from articles) as has_article,
        person_id in (select people.person_id from people) as has_person,
        true as has_facts
    from roles
    union all
    select
        'fct_document_refs' as mart,
        ref_id as row_key,
        article_id,
        article_id in (select articles.article_id from articles) as has_article,
        true as has_person,
        true as has_facts
    from refs
    union all
    select
        'fct_events' as mart,
        event_id as row_key,
        article_id,
        article_id in (select articles.article_id from articles) as has_article,
        true as has_person,
        true as has_facts
    from events
    union all
    select
        'fct_indicators' as mart,
        indicator_id as row_key,
        null as article_id,
        true as has_article,
        true as has_person,
        has_facts
    from indicator_facts
),

final as (
    select
        mart || ':' || coalesce(row_key, '') as check_key,
        mart,
        row_key,
        article_id,
        has_article,
        has_person,
        has_facts,
        format('a {} row has no key', mart) as msg_key_missing,
        format('{} key {} is not unique', mart, row_key) as msg_key_unique,
        format('{} row {} points to article {}, which is not in dim_articles', mart, row_key, article_id)
            as msg_orphan_article,
        format('{} row {} points to a person who is not in dim_people', mart, row_key) as msg_orphan_person,
        format('{} row {} rests on a fact that is not in fct_quantities', mart, row_key) as msg_missing_fact
    from keyed
)

select * from final
