-- dim_group: one row per assignment group, with its support level (the most frequent level
-- seen on its tickets); key '-' is the member for "no group".
WITH levels AS (
    SELECT group_name, support_level, count(*) AS tickets
    FROM fact_ticket
    WHERE group_name IS NOT NULL
    GROUP BY group_name, support_level
),

named AS (
    SELECT group_now AS group_name FROM fact_ticket_event WHERE group_now IS NOT NULL
    UNION
    SELECT group_name FROM fact_ticket WHERE group_name IS NOT NULL
)

SELECT
    substr(md5(n.group_name), 1, 16) AS group_key,
    n.group_name,
    max_by(l.support_level, CASE WHEN l.support_level IS NOT NULL THEN l.tickets END)
        AS support_level
FROM named AS n
LEFT JOIN levels AS l ON l.group_name = n.group_name
GROUP BY n.group_name
UNION ALL
SELECT '-', '(no group)', NULL
