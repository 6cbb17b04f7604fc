-- dim_places: one row per province or centrally-run city before the 2025 reorganisation (GSO figures).
with

places as (
    select * from reference.provinces
),

final as (
    select
        place_id,
        name,
        name_vi,
        kind,
        aliases,
        cast(area_km2 as double) as area_km2,
        cast(area_year as integer) as area_year,
        cast(population as bigint) as population,
        cast(population_year as integer) as population_year,
        merged_into_place_id,
        source
    from places
)

select * from final
