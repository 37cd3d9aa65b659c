-- dim_category: one row per (category, subcategory) pair seen; key '-' is "uncategorised".
SELECT DISTINCT
    substr(md5(concat_ws('|', coalesce(category, ''), coalesce(subcategory, ''))), 1, 16) AS category_key,
    category,
    subcategory
FROM fact_ticket
WHERE category IS NOT NULL OR subcategory IS NOT NULL
UNION ALL
SELECT '-', '(uncategorised)', NULL
