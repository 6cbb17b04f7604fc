-- int_fact_checked: one row per fact in scope with the range, share band and gazetteer figure it is tested against.
with

based as (
    select * from int_fact_based
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
        case when places.level = 'province' then 'GSO' else 'vietnamadminunits' end as ref_source,
        case based.metric when 'area' then places.area_km2 when 'population' then places.population end
            as ref_value,
        case based.metric when 'area' then places.area_year when 'population' then places.population_year end
            as ref_year,
        -- The bands are today's (GSO 2022-2023): a figure of 1975 is history, not a typo.
        coalesce(based.fact_year >= 1990, true) as is_current,
        -- A negative figure of a metric whose range starts at zero is a change ("decreased by 1,500 ha"), not a
        -- level the range bounds; a growth rate's range has room for falls.
        coalesce(based.value_base >= 0 or ranges.min_base < 0, true) as is_level,
        tolerances.tolerance
        + tolerances.tolerance_per_year
        * abs(based.fact_year - case based.metric when 'area' then places.area_year else places.population_year end)
            as ref_tolerance
    from based
    left join ranges on based.metric = ranges.metric and based.subject_kind = ranges.subject_kind
    -- A fall ("poverty reduced by 5.7 %") is a change, not a share: only bands that allow falls judge it.
    left join shares
        on based.metric = shares.metric and based.unit = 'percent' and (based.value >= 0 or shares.min_percent < 0)
    -- A province's GSO figures; a commune of 2025, its area from vietnamadminunits (no reference holds districts).
    left join places
        on based.subject_place_id = places.place_id and based.subject_kind in ('province', 'city', 'commune')
    left join tolerances on based.metric = tolerances.metric
),

final as (
    select * from checked
)

select * from final
