-- dim_articles: one row per article; documents that differ only in CMS debris are one article.
-- Table mart_scope (a temporary table of warehouse.models) holds the documents whose rows are built.
with

scope as (
    select doc_id from mart_scope
),

sources as (
    select * from raw.sources
    where superseded_at is null and deleted_at is null
),

documents as (
    select * from raw.documents
),

stg_articles as (
    select * from staging.stg_articles
    where doc_id in (select scope.doc_id from scope)
),

extractions as (
    select * from staging.stg_extractions
    where doc_id in (select scope.doc_id from scope)
),

current_documents as (
    select
        documents.doc_id,
        documents.ingested_at,
        documents.encoding,
        min(sources.source_path) as source_path,
        count(*) as source_count
    from documents
    inner join sources on documents.doc_id = sources.doc_id
    group by documents.doc_id, documents.ingested_at, documents.encoding
),

keyed as (
    select
        stg_articles.*,
        current_documents.source_path,
        current_documents.source_count,
        current_documents.ingested_at,
        current_documents.encoding,
        extractions.extracted_at,
        stg_articles.content_key as article_id
    from stg_articles
    inner join current_documents on stg_articles.doc_id = current_documents.doc_id
    inner join extractions on stg_articles.doc_id = extractions.doc_id
),

final as (
    select
        article_id,
        doc_id,
        source_path,
        title,
        published_at,
        place,
        place_id,
        place_level,
        province_id as province_place_id,
        byline,
        dateline,
        body,
        encoding,
        ingested_at,
        extracted_at,
        source_count,
        debris_lines,
        count(*) over (partition by article_id) as document_count
    from keyed
    qualify row_number() over (partition by article_id order by ingested_at, doc_id) = 1
)

select * from final
