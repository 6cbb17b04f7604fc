-- staging.stg_articles: one row per document, its header fields and debris-free body.
-- content_key names the article: documents that differ only in debris share it. It is computed
-- once, when a batch is loaded, instead of over every body at each build of dim_articles.
create or replace macro staging.content_key(title, body) as
left(md5(lower(regexp_replace(coalesce(title, '') || ' ' || coalesce(body, ''), '\s+', ' ', 'g'))), 16);

create table if not exists staging.stg_articles (
    doc_id varchar not null,
    title varchar,
    published_at timestamp,
    dateline varchar,
    byline varchar,
    body varchar,
    place varchar,
    place_id varchar,
    debris_lines integer,
    content_key varchar
);

-- Warehouses built before content_key existed.
alter table staging.stg_articles add column if not exists content_key varchar;

update staging.stg_articles set content_key = staging.content_key(title, body)
where content_key is null;
