-- fct_document_refs: one row per mention of a numbered legal or Party document.
with

refs as (
    select * from staging.stg_document_refs
),

sentences as (
    select * from staging.stg_sentences
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
