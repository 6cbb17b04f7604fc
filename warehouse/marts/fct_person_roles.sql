-- fct_person_roles: one row per mention of a person with a title, as written.
with

mentions as (
    select * from staging.stg_person_mentions
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
