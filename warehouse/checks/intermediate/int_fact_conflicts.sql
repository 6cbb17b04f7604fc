-- int_fact_conflicts: one row per fact in scope that another article states differently (the first such article).
with

based as (
    select * from int_fact_based
),

comparable as (
    select * from int_fact_comparable
),

conflict_tolerances as (
    select
        metric,
        cast(tolerance as double) as tolerance
    from reference.conflict_tolerances
),

conflicts as (
    -- The same subject, metric and period stated differently by another article.
    select
        mine.fact_id,
        theirs.article_id as conflict_article_id,
        theirs.surface as conflict_surface
    from based as mine
    inner join comparable as theirs
        on
            mine.conflict_key = theirs.conflict_key
            and mine.article_id != theirs.article_id
    inner join conflict_tolerances on mine.metric = conflict_tolerances.metric
    where
        -- Implied by the join, but said: DuckDB then drops the facts that cannot conflict before joining.
        mine.conflict_key is not null
        and theirs.conflict_key is not null
        and abs(mine.value_base / nullif(theirs.value_base, 0) - 1) > conflict_tolerances.tolerance
    qualify row_number() over (partition by mine.fact_id order by theirs.article_id) = 1
),

final as (
    select * from conflicts
)

select * from final
