-- int_fact_totals: one row per total in scope that is followed by its parts, with their sum.
-- Variable parts_regex (set by warehouse.quality_io from reference.parts_markers) matches the words that
-- introduce the parts of a total; as a variable it is compiled once, not once per row.
with

based as (
    select * from int_fact_based
),

breaks as (
    -- Parts of a total follow it in one run separated only by commas and "and".
    select
        based.*,
        coalesce(not regexp_full_match(based.gap_before, '\s*(,|,?\s*and)?\s*'), true) as starts_run,
        regexp_matches(coalesce(based.gap_before, ''), getvariable('parts_regex')) as after_marker
    from based
),

runs as (
    select
        *,
        sum(case when starts_run then 1 else 0 end) over (
            partition by doc_id, sentence_no order by char_start rows unbounded preceding
        ) as run_no
    from breaks
),

totals as (
    select
        total.fact_id,
        sum(part.value) as parts_sum,
        string_agg(part.surface, ' + ' order by part.char_start) as parts_text,
        count(*) as part_count
    from runs as total
    inner join runs as first_part
        on
            total.doc_id = first_part.doc_id
            and total.sentence_no = first_part.sentence_no
            and first_part.after_marker
            and first_part.starts_run
            and total.char_end < first_part.char_start
            and not exists (
                select 1 from runs as between_facts
                where
                    between_facts.doc_id = total.doc_id
                    and between_facts.sentence_no = total.sentence_no
                    and between_facts.char_start > total.char_end
                    and between_facts.char_start < first_part.char_start
            )
    inner join runs as part
        on
            first_part.doc_id = part.doc_id
            and first_part.sentence_no = part.sentence_no
            and first_part.run_no = part.run_no
            and total.unit_dimension = part.unit_dimension
    where total.unit_dimension in ('persons', 'count') and total.qualifier = 'exact' and part.qualifier = 'exact'
    group by total.fact_id
    having count(*) >= 2
),

final as (
    select * from totals
)

select * from final
