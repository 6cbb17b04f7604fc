-- dim_places: one row per administrative unit: the 63 provinces and centrally-run cities before the 2025
-- reorganisation (GSO figures), their 696 districts and 10,035 communes, and the 3,321 communes of the 34
-- provinces since 1 July 2025 (vietnamadminunits), each with its parent and validity.
with

provinces as (
    select * from reference.provinces
),

units as (
    select * from reference.admin_units
),

province_rows as (
    select
        place_id,
        name,
        name_vi,
        kind,
        'province' as level,
        null as parent_place_id,
        place_id as province_place_id,
        aliases,
        cast(area_km2 as double) as area_km2,
        cast(area_year as integer) as area_year,
        cast(population as bigint) as population,
        cast(population_year as integer) as population_year,
        merged_into_place_id,
        null as gso_code,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        source
    from provinces
),

unit_rows as (
    select
        place_id,
        name,
        name_vi,
        kind,
        level,
        parent_place_id,
        province_place_id,
        null as aliases,
        cast(nullif(area_km2, '') as double) as area_km2,
        case when nullif(area_km2, '') is not null then 2025 end as area_year,
        cast(null as bigint) as population,
        cast(null as integer) as population_year,
        nullif(merged_into_place_id, '') as merged_into_place_id,
        gso_code,
        cast(nullif(valid_from, '') as date) as valid_from,
        cast(nullif(valid_to, '') as date) as valid_to,
        source
    from units
),

all_rows as (
    select * from province_rows
    union all by name
    select * from unit_rows
),

spellings as (
    select
        place_id,
        unnest(list_concat([name, name_vi], string_split(coalesce(aliases, ''), '|'))) as spelling
    from all_rows
),

name_keys as (
    -- Every spelling folded to lower-case ASCII words, as `newsfacts indicators` looks a place up.
    select
        place_id,
        list_sort(list(distinct trim(
            regexp_replace(strip_accents(replace(lower(spelling), 'đ', 'd')), '[^a-z0-9]+', ' ', 'g')
        )))
            as name_keys
    from spellings
    where spelling != ''
    group by place_id
),

final as (
    select
        all_rows.*,
        name_keys.name_keys
    from all_rows
    left join name_keys on all_rows.place_id = name_keys.place_id
)

select * from final
