-- chk_articles: one row per article with what the structure rules test.
with

articles as (
    select * from marts.dim_articles
),

final as (
    select
        article_id,
        doc_id,
        title,
        body,
        published_at,
        coalesce(length(body), 0) as body_chars,
        format('article {} ({}) has no title: the scrape starts with a paragraph', article_id, source_path)
            as msg_title,
        format('article {} ({}) has no body text', article_id, source_path) as msg_body,
        format('article {} ({}) is dated {}, after the check time', article_id, source_path, published_at)
            as msg_future,
        format('article {} ({}) still holds CMS debris in its body', article_id, source_path) as msg_debris
    from articles
)

select * from final
