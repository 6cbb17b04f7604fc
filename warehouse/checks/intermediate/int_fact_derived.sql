-- int_fact_derived: one row per fact in scope with what it gives together with another figure (a density, capital
-- per project, GRDP per capita) and the bound of its unit's dimension for its kind of subject.
with

based as (
    select * from int_fact_based
),

checked as (
    select * from int_fact_checked
),

dimension_ranges as (
    select
        dimension,
        subject_kind,
        reason,
        cast(max_base as double) as max_base,
        string_split(coalesce(except_metrics, ''), '|') as except_metrics
    from reference.dimension_ranges
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
            -- Visitors are no inhabitants; a project's capital sited in a commune is no commune's economy.
            and not list_contains(dimension_ranges.except_metrics, based.metric)
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
        checked.fact_id,
        dimension_bounds.dimension_max_base,
        dimension_bounds.dimension_reason,
        densities.population_density,
        densities.area_surface,
        per_project.capital_per_project,
        per_project.projects_surface,
        grdp_per_person.grdp_per_capita,
        grdp_per_person.population_surface
    from checked
    left join dimension_bounds on checked.fact_id = dimension_bounds.fact_id
    left join densities on checked.fact_id = densities.fact_id
    left join per_project on checked.fact_id = per_project.fact_id
    left join grdp_per_person on checked.fact_id = grdp_per_person.fact_id
)

select * from final
