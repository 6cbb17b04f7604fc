-- int_fact_suggestions: one row per fact out of its range with the correction (another unit, a factor of 1,000)
-- that brings it nearest to its reference.
with

checked as (
    select * from int_fact_checked
),

units as (
    select
        unit,
        any_value(dimension) as dimension,
        any_value(base_unit) as base_unit,
        any_value(cast(to_base as double)) as to_base,
        -- Units read off pint's registry (miles, acres) are no slip of a portal's pen for km2 or ha.
        bool_and(coalesce(note, '') like 'pint %') as is_registry_only
    from reference.units
    group by unit
),

article_units as (
    select distinct
        article_id,
        unit
    from checked
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
    -- Of the world's currencies, a slip is to one the article itself uses (VND for USD), never to roubles; of
    -- other units, to the metric ones of the portals' own vocabulary or to one the article uses.
    where
        (other_units.dimension != 'money' and not other_units.is_registry_only)
        or exists (
            select 1 from article_units
            where article_units.article_id = checked.article_id and article_units.unit = other_units.unit
        )
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

final as (
    select * from suggestions
)

select * from final
