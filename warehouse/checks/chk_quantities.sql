-- chk_quantities: one row per fact with what the plausibility rules test and the words to explain a failure.
-- Variable parts_regex (set by warehouse.quality from reference.parts_markers) matches the words that
-- introduce the parts of a total; as a variable it is compiled once, not once per row.
-- Table check_scope (a temporary table of warehouse.quality) holds the articles whose rows are built:
-- every article, or those a run changed and the articles their facts may conflict with.
with

scope as (
    select article_id from check_scope
),

all_facts as (
    -- rowid names a row even where fact_id is not unique (which a check below flags).
    select
        rowid as fact_row,
        article_id,
        surface,
        value,
        unit,
        qualifier,
        metric,
        subject_place_id,
        period
    from marts.fct_quantities
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
        subject_kind,
        period,
        published_at
    from marts.fct_quantities
    where article_id in (select scope.article_id from scope)
),

documents as (
    select
        doc_id,
        text
    from raw.documents
),

units as (
    select distinct
        unit,
        dimension,
        base_unit,
        cast(to_base as double) as to_base
    from reference.units
),

metrics as (
    select * from reference.metrics
),

ranges as (
    select
        metric,
        subject_kind,
        base_unit,
        reason,
        cast(min_base as double) as min_base,
        cast(max_base as double) as max_base
    from reference.metric_ranges
),

shares as (
    select
        metric,
        reason,
        cast(min_percent as double) as min_percent,
        cast(max_percent as double) as max_percent
    from reference.shares
),

tolerances as (
    select
        metric,
        cast(tolerance as double) as tolerance,
        cast(tolerance_per_year as double) as tolerance_per_year
    from reference.metric_reference
),

places as (
    select * from marts.dim_places
),

dimension_ranges as (
    select
        dimension,
        subject_kind,
        reason,
        cast(max_base as double) as max_base
    from reference.dimension_ranges
),

derived_ranges as (
    select
        measure,
        cast(min_value as double) as min_value,
        cast(max_value as double) as max_value
    from reference.derived_ranges
),

conflict_tolerances as (
    select
        metric,
        cast(tolerance as double) as tolerance
    from reference.conflict_tolerances
),

comparable as (
    -- Every fact in base units: an article's facts are compared with those of all the others.
    select
        all_facts.fact_row,
        all_facts.article_id,
        all_facts.surface,
        coalesce(units.dimension, 'count') as unit_dimension,
        coalesce(units.base_unit, all_facts.unit) as base_unit,
        -- A ratio ("1.3 times") has no magnitude of its own to test.
        case when units.dimension != 'ratio' then all_facts.value * coalesce(units.to_base, 1) end as value_base,
        -- Facts stated as exact or estimated, of a metric with a conflict tolerance, conflict with facts of
        -- the same key in other articles; a key with a null part (no subject or period) matches none.
        case
            when
                all_facts.qualifier in ('exact', 'estimated')
                and all_facts.metric in (select conflict_tolerances.metric from conflict_tolerances)
                then
                    all_facts.subject_place_id || '|' || all_facts.metric || '|' || all_facts.period
                    || '|' || coalesce(units.dimension, 'count')
        end as conflict_key
    from all_facts
    left join units on all_facts.unit = units.unit
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
        facts.period,
        facts.published_at,
        metrics.dimension as metric_dimension,
        facts.unit_dimension,
        facts.base_unit,
        facts.value_base,
        facts.conflict_key,
        spans.text_at_span,
        spans.gap_before,
        coalesce(try_cast(right(facts.period, 4) as integer), year(facts.published_at)) as fact_year
    from facts
    left join spans on facts.fact_id = spans.fact_id
    left join metrics on facts.metric = metrics.metric
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

checked as (
    select
        based.*,
        ranges.min_base,
        ranges.max_base,
        ranges.reason as range_reason,
        shares.min_percent,
        shares.max_percent,
        shares.reason as share_reason,
        places.name as ref_name,
        case based.metric when 'area' then places.area_km2 when 'population' then places.population end
            as ref_value,
        case based.metric when 'area' then places.area_year when 'population' then places.population_year end
            as ref_year,
        -- The bands are today's (GSO 2022-2023): a figure of 1975 is history, not a typo.
        coalesce(based.fact_year >= 1990, true) as is_current,
        tolerances.tolerance
        + tolerances.tolerance_per_year
        * abs(based.fact_year - case based.metric when 'area' then places.area_year else places.population_year end)
            as ref_tolerance
    from based
    left join ranges on based.metric = ranges.metric and based.subject_kind = ranges.subject_kind
    left join shares on based.metric = shares.metric and based.unit = 'percent'
    left join places on based.subject_place_id = places.place_id and based.subject_kind in ('province', 'city')
    left join tolerances on based.metric = tolerances.metric
),

dimension_bounds as (
    -- The tightest bound on any figure of its unit's dimension for its kind of subject, whatever its metric.
    select
        based.fact_id,
        min(dimension_ranges.max_base) as dimension_max_base,
        arg_min(dimension_ranges.reason, dimension_ranges.max_base) as dimension_reason
    from based
    inner join dimension_ranges
        on
            based.unit_dimension = dimension_ranges.dimension
            and dimension_ranges.subject_kind in ('*', based.subject_kind)
    group by based.fact_id
),

per_project as (
    -- "2,769 FDI projects with total registered capital of US$ 28.4 billion": the capital over the count.
    select
        capital.fact_id,
        projects.surface as projects_surface,
        capital.value_base / nullif(projects.value, 0) as capital_per_project
    from checked as capital
    inner join checked as projects
        on
            capital.doc_id = projects.doc_id
            and capital.sentence_no = projects.sentence_no
            and capital.char_start > projects.char_end
            and projects.metric = 'projects'
            and projects.qualifier = 'exact'
    where
        capital.unit_dimension = 'money'
        and capital.metric in ('fdi', 'investment', 'domestic_investment', 'fdi_disbursed')
        and capital.per is null
    qualify row_number() over (partition by capital.fact_id order by projects.char_end desc) = 1
),

grdp_per_person as (
    -- GRDP and population of one subject in one article: their ratio is a GRDP per capita.
    select
        grdp.fact_id,
        population.surface as population_surface,
        grdp.value_base / nullif(population.value_base, 0) as grdp_per_capita
    from checked as grdp
    inner join checked as population
        on
            grdp.article_id = population.article_id
            and grdp.subject = population.subject
            and population.metric = 'population'
            and population.unit_dimension = 'persons'
            and population.value_base between population.min_base and population.max_base
    where grdp.metric = 'grdp' and grdp.unit_dimension = 'money' and grdp.per is null
    qualify row_number() over (partition by grdp.fact_id order by population.char_start) = 1
),

candidates as (
    select
        checked.fact_id,
        other_units.unit as suggested_unit,
        checked.value as suggested_value,
        checked.value * other_units.to_base as suggested_base,
        'the unit is ' || other_units.unit as suggestion_reason
    from checked
    inner join units as other_units
        on checked.unit_dimension = other_units.dimension and checked.unit != other_units.unit
    union all
    select
        checked.fact_id,
        checked.unit as suggested_unit,
        checked.value * factors.factor as suggested_value,
        checked.value_base * factors.factor as suggested_base,
        case when factors.factor > 1 then 'a factor of 1,000 was lost' else 'a factor of 1,000 too many' end
            as suggestion_reason
    from checked
    cross join (values (1000.0), (0.001)) as factors (factor)
),

suggestions as (
    select
        candidates.*,
        checked.ref_value
    from candidates
    inner join checked on candidates.fact_id = checked.fact_id
    where
        checked.value_base not between checked.min_base and checked.max_base
        and candidates.suggested_base between checked.min_base and checked.max_base
    qualify row_number() over (
        partition by candidates.fact_id
        order by
            abs(ln(candidates.suggested_base / coalesce(checked.ref_value, sqrt(checked.min_base * checked.max_base))))
    ) = 1
),

densities as (
    -- Population and area of one subject in one article: their ratio must be a possible density.
    select
        population.fact_id,
        area.surface as area_surface,
        population.value_base / nullif(area.value_base, 0) as population_density
    from checked as population
    inner join checked as area
        on
            population.article_id = area.article_id
            and population.subject = area.subject
            and coalesce(population.period, '') = coalesce(area.period, '')
            and area.metric = 'area'
            and area.unit_dimension = 'area'
    where
        population.metric = 'population'
        and population.unit_dimension = 'persons'
        -- A figure already out of its own range is flagged by the magnitude rule, not blamed on the other.
        and population.value_base between population.min_base and population.max_base
        and area.value_base between area.min_base and area.max_base
    qualify row_number() over (partition by population.fact_id order by area.char_start) = 1
),

final as (
    select
        checked.*,
        suggestions.suggested_value,
        suggestions.suggested_unit,
        suggestions.suggestion_reason,
        conflicts.conflict_article_id,
        conflicts.conflict_surface,
        totals.parts_sum,
        totals.parts_text,
        densities.population_density,
        densities.area_surface,
        dimension_bounds.dimension_max_base,
        per_project.capital_per_project,
        grdp_per_person.grdp_per_capita,
        checked.value_base / nullif(checked.ref_value, 0) as ref_ratio,
        case when checked.ref_tolerance is not null then 1 - checked.ref_tolerance end as ref_ratio_min,
        case when checked.ref_tolerance is not null then 1 + checked.ref_tolerance end as ref_ratio_max,
        format(
            '{} {} = {:.4g} {} is not a possible {} for a {} (plausible {:,.0f} to {:,.0f} {})',
            checked.metric, checked.surface, checked.value_base, checked.base_unit, checked.metric,
            checked.subject_kind, checked.min_base, checked.max_base, checked.base_unit
        )
        || coalesce(format(
            '; reference {} of {} is {:,.1f} {} (GSO {})',
            checked.metric, checked.ref_name, checked.ref_value, checked.base_unit, checked.ref_year
        ), '')
        || coalesce(format(
            '; if {} the value is {:,.6g} {}',
            suggestions.suggestion_reason, suggestions.suggested_value, suggestions.suggested_unit
        ), '')
        || coalesce(format(
            ', within {:.1f} % of the reference',
            100 * abs(suggestions.suggested_base / suggestions.ref_value - 1)
        ), '')
            as msg_magnitude,
        format(
            '{} {} is {:.1f} % away from the reference {} of {}, {:,.1f} {} (GSO {}); tolerance {:.0f} %',
            checked.metric, checked.surface, 100 * abs(checked.value_base / nullif(checked.ref_value, 0) - 1),
            checked.metric, checked.ref_name, checked.ref_value, checked.base_unit, checked.ref_year,
            100 * checked.ref_tolerance
        ) as msg_reference,
        format(
            '{} is a share in percent; {} is outside {:.0f} to {:.0f} % ({})',
            checked.metric, checked.surface, checked.min_percent, checked.max_percent, checked.share_reason
        ) as msg_share,
        format(
            '{} is measured in {} but {} is a {}: the unit does not fit the metric',
            checked.metric, checked.metric_dimension, checked.unit, checked.unit_dimension
        ) as msg_unit,
        format(
            'offsets {} do not reproduce the surface {}: the text there is {}',
            checked.fact_id, checked.surface, checked.text_at_span
        ) as msg_offsets,
        format(
            '{} {} of {} ({}) disagrees with {} in article {}',
            checked.metric, checked.surface, checked.subject, checked.period,
            conflicts.conflict_surface, conflicts.conflict_article_id
        ) as msg_conflict,
        format(
            'population {} over area {} is {:,.4g} people per km2, not a possible density',
            checked.surface, densities.area_surface, densities.population_density
        ) as msg_population_density,
        format(
            '{} {} = {:.4g} {} is more than any {} of a {} can be: {}',
            checked.metric, checked.surface, checked.value_base, checked.base_unit, checked.unit_dimension,
            coalesce(checked.subject_kind, 'place'), dimension_bounds.dimension_reason
        ) as msg_dimension,
        format(
            'capital {} over {} is {:,.4g} VND per project, outside {:,.0f} to {:,.0f} VND',
            checked.surface, per_project.projects_surface, per_project.capital_per_project,
            capital_range.min_value, capital_range.max_value
        ) as msg_capital_per_project,
        format(
            'GRDP {} over population {} is {:,.4g} VND per person, outside {:,.0f} to {:,.0f} VND',
            checked.surface, grdp_per_person.population_surface, grdp_per_person.grdp_per_capita,
            grdp_range.min_value, grdp_range.max_value
        ) as msg_grdp_per_capita,
        format(
            'the parts {} add up to {:,.0f}, not to the total {}',
            totals.parts_text, totals.parts_sum, checked.surface
        ) as msg_parts
    from checked
    left join suggestions on checked.fact_id = suggestions.fact_id
    left join conflicts on checked.fact_id = conflicts.fact_id
    left join totals on checked.fact_id = totals.fact_id
    left join densities on checked.fact_id = densities.fact_id
    left join dimension_bounds on checked.fact_id = dimension_bounds.fact_id
    left join per_project on checked.fact_id = per_project.fact_id
    left join grdp_per_person on checked.fact_id = grdp_per_person.fact_id
    left join derived_ranges as capital_range on capital_range.measure = 'capital_per_project'
    left join derived_ranges as grdp_range on grdp_range.measure = 'grdp_per_capita'
)

select * from final
