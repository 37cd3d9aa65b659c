-- dim_group: one row per assignment group, with its support level (the level seen on most of
-- its tickets; ties go to the level first in order); key '-' is the member for "no group".
WITH levels AS (
    SELECT
        group_name,
        support_level,
        row_number() OVER (
            PARTITION BY group_name ORDER BY count(*) DESC, support_level
        ) AS level_rank
    FROM fact_ticket
    WHERE group_name IS NOT NULL AND support_level IS NOT NULL
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
    l.support_level
FROM named AS n
LEFT JOIN levels AS l ON l.group_name = n.group_name AND l.level_rank = 1
UNION ALL
SELECT '-', '(no group)', NULL
