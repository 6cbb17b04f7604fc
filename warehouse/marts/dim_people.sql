-- dim_people: one row per person, matched across articles by name without diacritics or case.
with

mentions as (
    select * from staging.stg_person_mentions
),

articles as (
    select * from marts.dim_articles
),

keyed as (
    select
        mentions.*,
        articles.article_id,
        left(md5(lower(strip_accents(mentions.name))), 16) as person_id
    from mentions
    inner join articles on mentions.doc_id = articles.doc_id
),

final as (
    select
        person_id,
        mode(name) as name,
        mode(honorific) as honorific,
        count(*) as mention_count,
        count(distinct article_id) as article_count,
        count(distinct title) as title_count
    from keyed
    group by person_id
)

select * from final
