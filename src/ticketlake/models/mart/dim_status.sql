-- dim_status: one row per status label seen, with the category the settings give it
-- (else the one its vendor gives, else 'unknown'); key '-' is "no status".
SELECT
    substr(md5(e.status), 1, 16) AS status_key,
    e.status,
    coalesce(max(s.status_category), max(nullif(e.status_category, 'unknown')), 'unknown')
        AS status_category,
    count(*) AS events
FROM fact_ticket_event AS e
LEFT JOIN cfg_statuses AS s ON s.status_key = lower(trim(e.status))
WHERE e.status IS NOT NULL
GROUP BY e.status
UNION ALL
SELECT '-', '(none)', 'unknown', NULL
