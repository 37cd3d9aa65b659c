-- dim_agent: one row per technician (a value of assignee), with the group they most often
-- work in (by events; ties go to the group name first in order) and when they were first and
-- last seen; key '-' is "no assignee".
WITH seen AS (
    SELECT
        assignee_now AS agent_name,
        group_now AS group_name,
        count(*) AS events,
        min(event_time) AS first_seen_at,
        max(event_time) AS last_seen_at
    FROM fact_ticket_event
    WHERE assignee_now IS NOT NULL
    GROUP BY assignee_now, group_now
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY agent_name ORDER BY events DESC, group_name NULLS LAST
        ) AS group_rank
    FROM seen
)

SELECT
    substr(md5(agent_name), 1, 16) AS agent_key,
    agent_name,
    max(CASE WHEN group_rank = 1 THEN group_name END) AS main_group,
    min(first_seen_at) AS first_seen_at,
    max(last_seen_at) AS last_seen_at
FROM ranked
GROUP BY agent_name
UNION ALL
SELECT '-', '(unassigned)', NULL, NULL, NULL
