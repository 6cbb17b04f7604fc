-- fct_events: one row per dated meeting, seminar or conference mention.
-- Table mart_scope (a temporary table of warehouse.models) holds the documents whose rows are built.
with

scope as (
    select doc_id from mart_scope
),

events as (
    select * from staging.stg_events
    where doc_id in (select scope.doc_id from scope)
),

sentences as (
    select * from staging.stg_sentences
    where doc_id in (select scope.doc_id from scope)
),

articles as (
    select * from marts.dim_articles
),

final as (
    select
        articles.article_id,
        events.kind,
        events.event_date,
        events.date_text,
        events.place,
        events.char_start,
        events.char_end,
        articles.published_at,
        sentences.sentence,
        left(md5(events.doc_id || ':' || events.char_start), 16) as event_id
    from events
    inner join articles on events.doc_id = articles.doc_id
    inner join sentences
        on
            events.doc_id = sentences.doc_id
            and events.sentence_no = sentences.sentence_no
)

select * from final
