-- chk_articles: one row per article with what the structure rules test.
-- Variable debris_regex (set by warehouse.quality_io from reference.debris_patterns) matches any line
-- of in-body debris; DuckDB's RE2 scans the bodies far faster than Python's re inside GX.
-- Table check_scope (a temporary table of warehouse.quality_io) holds the articles whose rows are built.
with

scope as (
    select article_id from check_scope
),

articles as (
    select * from marts.dim_articles
    where article_id in (select scope.article_id from scope)
),

final as (
    select
        article_id,
        doc_id,
        title,
        published_at,
        coalesce(length(body), 0) as body_chars,
        nullif(regexp_extract(coalesce(body, ''), getvariable('debris_regex')), '') as debris_found,
        format('article {} ({}) has no title: the scrape starts with a paragraph', article_id, source_path)
            as msg_title,
        format('article {} ({}) has no body text', article_id, source_path) as msg_body,
        format('article {} ({}) is dated {}, after the check time', article_id, source_path, published_at)
            as msg_future,
        format(
            'article {} ({}) still holds CMS debris in its body: "{}"',
            article_id,
            source_path,
            debris_found
        ) as msg_debris
    from articles
)

select
    cast(article_id as varchar) as check_key,
    *
from final
