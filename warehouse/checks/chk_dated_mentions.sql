-- chk_dated_mentions: one row per dated document reference or event, with the article's publication date.
-- Table check_scope (a temporary table of warehouse.quality_io) holds the articles whose rows are built.
with

scope as (
    select article_id from check_scope
),

refs as (
    select * from marts.fct_document_refs
    where article_id in (select scope.article_id from scope)
),

events as (
    select * from marts.fct_events
    where article_id in (select scope.article_id from scope)
),

dated as (
    select
        ref_id as mention_id,
        'fct_document_refs' as table_name,
        article_id,
        surface,
        issued_on as mention_date,
        cast(published_at as date) as published_on
    from refs
    union all
    select
        event_id as mention_id,
        'fct_events' as table_name,
        article_id,
        date_text as surface,
        event_date as mention_date,
        cast(published_at as date) as published_on
    from events
),

final as (
    select
        *,
        year(mention_date) as mention_year,
        format('{} is dated {}, after the article was published on {}', surface, mention_date, published_on)
            as msg_after_publication,
        format('{} is dated {}: a year outside the plausible span', surface, mention_date) as msg_year
    from dated
)

select
    cast(mention_id as varchar) as check_key,
    *
from final
