-- int_fact_based: one row per fact of the articles in check scope, in base units, with the text at its span.
-- Table check_scope (a temporary table of warehouse.quality_io) holds the articles whose rows are built:
-- every article, or those a run changed and the articles their facts may conflict with.
with

scope as (
    select article_id from check_scope
),

comparable as (
    select * from int_fact_comparable
),

scoped_facts as (
    select
        rowid as fact_row,
        fact_id,
        article_id,
        doc_id,
        sentence_no,
        char_start,
        char_end,
        surface,
        value,
        unit,
        qualifier,
        metric,
        per,
        subject,
        subject_place_id,
        subject_level,
        subject_source,
        -- Ranges and the gazetteer judge a figure at its subject's level only where the text gives the subject
        -- (transforms.places.STATED_SOURCES): a guessed subject gets unit and consistency checks alone.
        case when subject_source in ('clause', 'sentence', 'carried', 'article') then subject_kind end as subject_kind,
        period,
        period_end,
        published_at
    from intermediate.int_quantities
    where article_id in (select scope.article_id from scope)
),

documents as (
    select
        doc_id,
        text
    from raw.documents
),

metrics as (
    select * from reference.metrics
),

facts as (
    select
        scoped_facts.*,
        comparable.unit_dimension,
        comparable.base_unit,
        comparable.value_base,
        comparable.conflict_key
    from scoped_facts
    inner join comparable on scoped_facts.fact_row = comparable.fact_row
),

ordered as (
    -- Where the previous fact of the sentence ends, without the document texts: a window over
    -- rows that carry whole texts would hold every text once per fact in memory.
    select
        fact_id,
        doc_id,
        char_start,
        char_end,
        lag(char_end) over (partition by doc_id, sentence_no order by char_start) as previous_end
    from facts
),

spans as (
    select
        ordered.fact_id,
        substr(documents.text, ordered.char_start + 1, ordered.char_end - ordered.char_start) as text_at_span,
        substr(documents.text, ordered.previous_end + 1, ordered.char_start - ordered.previous_end) as gap_before
    from ordered
    inner join documents on ordered.doc_id = documents.doc_id
),

based as (
    select
        facts.fact_id,
        facts.article_id,
        facts.surface,
        facts.value,
        facts.unit,
        facts.doc_id,
        facts.sentence_no,
        facts.char_start,
        facts.char_end,
        facts.qualifier,
        facts.metric,
        facts.per,
        facts.subject,
        facts.subject_place_id,
        facts.subject_kind,
        facts.subject_level,
        facts.subject_source,
        facts.period,
        facts.published_at,
        metrics.dimension as metric_dimension,
        facts.unit_dimension,
        facts.base_unit,
        facts.value_base,
        facts.conflict_key,
        spans.text_at_span,
        spans.gap_before,
        coalesce(year(facts.period_end), year(facts.published_at)) as fact_year
    from facts
    left join spans on facts.fact_id = spans.fact_id
    left join metrics on facts.metric = metrics.metric
),

final as (
    select * from based
)

select * from final
