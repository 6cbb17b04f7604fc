-- chk_dated_mentions: one row per dated document reference or event, with the article's publication date.
with

refs as (
    select * from marts.fct_document_refs
),

events as (
    select * from marts.fct_events
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

select * from final
