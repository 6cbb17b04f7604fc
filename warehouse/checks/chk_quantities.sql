-- chk_quantities: one row per fact with what the plausibility rules test and the words to explain a failure.
-- It joins the intermediate models of warehouse/checks/intermediate/, built for the same check_scope.
with

checked as (
    select * from int_fact_checked
),

suggestions as (
    select * from int_fact_suggestions
),

conflicts as (
    select * from int_fact_conflicts
),

totals as (
    select * from int_fact_totals
),

derived as (
    select * from int_fact_derived
),

derived_ranges as (
    select
        measure,
        cast(min_value as double) as min_value,
        cast(max_value as double) as max_value
    from reference.derived_ranges
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
        derived.population_density,
        derived.area_surface,
        derived.dimension_max_base,
        derived.capital_per_project,
        derived.grdp_per_capita,
        checked.value_base / nullif(checked.ref_value, 0) as ref_ratio,
        case when checked.ref_tolerance is not null then 1 - checked.ref_tolerance end as ref_ratio_min,
        case when checked.ref_tolerance is not null then 1 + checked.ref_tolerance end as ref_ratio_max,
        format(
            '{} {} = {:.4g} {} is not a possible {} for a {} ({}, the subject {}; plausible {:,.0f} to {:,.0f} {})',
            checked.metric, checked.surface, checked.value_base, checked.base_unit, checked.metric,
            checked.subject_kind, checked.subject,
            case checked.subject_source
                when 'clause' then 'named in its clause'
                when 'sentence' then 'named in its sentence'
                when 'carried' then 'referred to from an earlier sentence'
                else 'of the article, which names no other place'
            end,
            checked.min_base, checked.max_base, checked.base_unit
        )
        || coalesce(format(
            '; reference {} of {} is {:,.1f} {} ({} {})',
            checked.metric, checked.ref_name, checked.ref_value, checked.base_unit, checked.ref_source, checked.ref_year
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
            '{} {} is {:.1f} % away from the reference {} of {}, {:,.1f} {} ({} {}); tolerance {:.0f} %',
            checked.metric, checked.surface, 100 * abs(checked.value_base / nullif(checked.ref_value, 0) - 1),
            checked.metric, checked.ref_name, checked.ref_value, checked.base_unit, checked.ref_source,
            checked.ref_year, 100 * checked.ref_tolerance
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
            checked.surface, derived.area_surface, derived.population_density
        ) as msg_population_density,
        format(
            '{} {} = {:.4g} {} is more than any {} of a {} can be: {}',
            checked.metric, checked.surface, checked.value_base, checked.base_unit, checked.unit_dimension,
            coalesce(checked.subject_kind, 'place'), derived.dimension_reason
        ) as msg_dimension,
        format(
            'capital {} over {} is {:,.4g} VND per project, outside {:,.0f} to {:,.0f} VND',
            checked.surface, derived.projects_surface, derived.capital_per_project,
            capital_range.min_value, capital_range.max_value
        ) as msg_capital_per_project,
        format(
            'GRDP {} over population {} is {:,.4g} VND per person, outside {:,.0f} to {:,.0f} VND',
            checked.surface, derived.population_surface, derived.grdp_per_capita,
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
    left join derived on checked.fact_id = derived.fact_id
    left join derived_ranges as capital_range on capital_range.measure = 'capital_per_project'
    left join derived_ranges as grdp_range on grdp_range.measure = 'grdp_per_capita'
)

select
    cast(fact_id as varchar) as check_key,
    *
from final
