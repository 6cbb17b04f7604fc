-- staging.stg_articles: one row per document, its header fields and debris-free body.
-- content_key names the article: documents that differ only in debris share it. It is computed
-- once, when a batch is loaded, instead of over every body at each build of dim_articles.
-- The loader hashes transforms.articles.content_text, the same collapsed text, with content_key_of.
create or replace macro staging.content_key_of(content_text) as left(md5(lower(content_text)), 16);

create or replace macro staging.content_key(title, body) as
staging.content_key_of(regexp_replace(coalesce(title, '') || ' ' || coalesce(body, ''), '\s+', ' ', 'g'));

create table if not exists staging.stg_articles (
    doc_id varchar not null,
    title varchar,
    published_at timestamp,
    dateline varchar,
    byline varchar,
    body varchar,
    place varchar,
    place_id varchar,
    place_level varchar,
    province_id varchar,
    debris_lines integer,
    content_key varchar
);

-- Warehouses built before content_key existed.
alter table staging.stg_articles add column if not exists content_key varchar;
-- Warehouses built before articles had a place below the province (issue 21).
alter table staging.stg_articles add column if not exists place_level varchar;
alter table staging.stg_articles add column if not exists province_id varchar;

update staging.stg_articles set content_key = staging.content_key(title, body)
where content_key is null;
