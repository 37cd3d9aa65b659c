-- dim_location: one row per (location, country) pair seen on tickets; key '-' is "unknown".
SELECT DISTINCT
    substr(md5(concat_ws('|', coalesce(location, ''), coalesce(country, ''))), 1, 16) AS location_key,
    location,
    country
FROM fact_ticket
WHERE location IS NOT NULL OR country IS NOT NULL
UNION ALL
SELECT '-', '(unknown)', NULL
