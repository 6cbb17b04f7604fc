-- staging.stg_articles: one row per document, its header fields and debris-free body.
create table if not exists staging.stg_articles (
    doc_id varchar not null,
    title varchar,
    published_at timestamp,
    dateline varchar,
    byline varchar,
    body varchar,
    place varchar,
    place_id varchar,
    debris_lines integer
);
