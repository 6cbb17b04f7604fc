-- fct_person_roles: one row per mention of a person with a title, as written.
-- Table mart_scope (a temporary table of warehouse.models) holds the documents whose rows are built.
with

scope as (
    select doc_id from mart_scope
),

mentions as (
    select * from staging.stg_person_mentions
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
        mentions.name,
        mentions.honorific,
        mentions.title,
        mentions.is_title_first,
        mentions.surface,
        mentions.char_start,
        mentions.char_end,
        sentences.sentence,
        left(md5(mentions.doc_id || ':' || mentions.char_start), 16) as role_id,
        left(md5(lower(strip_accents(mentions.name))), 16) as person_id
    from mentions
    inner join articles on mentions.doc_id = articles.doc_id
    inner join sentences
        on
            mentions.doc_id = sentences.doc_id
            and mentions.sentence_no = sentences.sentence_no
    where mentions.title is not null
)

select * from final
