-- fct_document_refs: one row per mention of a numbered legal or Party document.
-- Table mart_scope (a temporary table of warehouse.models) holds the documents whose rows are built.
with

scope as (
    select doc_id from mart_scope
),

refs as (
    select * from staging.stg_document_refs
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
        refs.surface,
        refs.doc_type,
        refs.number,
        refs.issued_on,
        refs.code_doc_type,
        refs.char_start,
        refs.char_end,
        articles.published_at,
        sentences.sentence,
        left(md5(refs.doc_id || ':' || refs.char_start), 16) as ref_id
    from refs
    inner join articles on refs.doc_id = articles.doc_id
    inner join sentences
        on
            refs.doc_id = sentences.doc_id
            and refs.sentence_no = sentences.sentence_no
)

select * from final
