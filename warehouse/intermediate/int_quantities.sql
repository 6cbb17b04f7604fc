-- int_quantities: one row per numeric fact mention, with its span in raw.documents.text, before validation.
-- What the checks read; marts.fct_quantities adds the quality columns from the row flags.
-- Table mart_scope (a temporary table of warehouse.models) holds the documents whose rows are built.
with

scope as (
    select doc_id from mart_scope
),

quantities as (
    select * from staging.stg_quantities
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
        quantities.doc_id,
        quantities.sentence_no,
        quantities.surface,
        quantities.char_start,
        quantities.char_end,
        quantities.value,
        quantities.value_max,
        quantities.unit,
        quantities.per,
        quantities.base,
        quantities.measure,
        quantities.metric,
        quantities.subject,
        quantities.subject_place_id,
        quantities.subject_kind,
        quantities.subject_level,
        quantities.subject_source,
        quantities.qualifier,
        quantities.period,
        quantities.period_type,
        quantities.period_source,
        quantities.period_start,
        quantities.period_end,
        quantities.figure_kind,
        sentences.sentence,
        articles.published_at,
        left(md5(quantities.doc_id || ':' || quantities.char_start || ':' || quantities.char_end), 16)
            as fact_id
    from quantities
    inner join articles on quantities.doc_id = articles.doc_id
    inner join sentences
        on
            quantities.doc_id = sentences.doc_id
            and quantities.sentence_no = sentences.sentence_no
)

select * from final
