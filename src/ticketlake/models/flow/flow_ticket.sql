-- flow_ticket: one row per ticket with a process history: throughput (first to last event,
-- sightings in snapshots aside), its status variant (the sequence of statuses it stayed in),
-- handoffs (changes of group and of assignee), its group path with consecutive repeats
-- collapsed, ping-pong (a group path that goes A, B, A; NULL without groups), its
-- support-level path and whether that path conforms to tiered support (L1; L1, L2; L1, L2,
-- L3: start at level 1 and climb one level at a time; levels are the digits of the label,
-- repeats collapsed by level; NULL without levels or with a label that has no digits). Only events read from files that export a history (the
-- ledger's history flag) count, as in flow_status_interval.
-- grain: ticket
WITH ev AS (
    SELECT *
    FROM fact_ticket_event
    WHERE
        event_type <> 'seen'
        AND batch_id IN (
            SELECT batch_id FROM ledger WHERE history
        )
),

span AS (
    SELECT
        source,
        ticket_id,
        min(event_time) AS first_event_at,
        max(event_time) AS last_event_at
    FROM ev
    GROUP BY source, ticket_id
),

groups AS (
    SELECT
        source,
        ticket_id,
        event_number,
        group_name,
        lag(group_name) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS previous
    FROM ev
    WHERE group_name IS NOT NULL
),

group_steps AS (
    SELECT
        source,
        ticket_id,
        group_name,
        row_number() OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS step,
        lag(group_name, 2) OVER (PARTITION BY source, ticket_id ORDER BY event_number)
            AS two_back
    FROM groups
    WHERE previous IS NULL OR previous <> group_name
),

group_paths AS (
    SELECT
        source,
        ticket_id,
        count(*) - 1 AS group_changes,
        max(CASE WHEN two_back = group_name THEN 1 ELSE 0 END) = 1 AS ping_pong,
        string_agg(group_name, ' > ' ORDER BY step) AS group_path
    FROM group_steps
    GROUP BY source, ticket_id
),

assignees AS (
    SELECT
        source,
        ticket_id,
        assignee,
        lag(assignee) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS previous
    FROM ev
    WHERE assignee IS NOT NULL
),

assignee_paths AS (
    SELECT
        source,
        ticket_id,
        count(CASE WHEN previous IS NOT NULL AND previous <> assignee THEN 1 END)
            AS assignee_changes
    FROM assignees
    GROUP BY source, ticket_id
),

levels AS (
    SELECT
        source,
        ticket_id,
        event_number,
        support_level,
        try_cast(nullif(regexp_extract(support_level, '(\d+)', 1), '') AS INTEGER) AS tier
    FROM ev
    WHERE support_level IS NOT NULL
),

tiers AS (
    SELECT
        *,
        lag(tier) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS previous_tier
    FROM levels
),

level_steps AS (
    SELECT
        source,
        ticket_id,
        support_level,
        tier,
        row_number() OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS step,
        lag(tier) OVER (PARTITION BY source, ticket_id ORDER BY event_number) AS previous_tier
    FROM tiers
    WHERE previous_tier IS NULL OR tier IS NULL OR previous_tier <> tier
),

level_paths AS (
    SELECT
        source,
        ticket_id,
        string_agg(support_level, ' > ' ORDER BY step) AS level_path,
        CASE
            WHEN count(tier) = count(*)
                THEN min(
                    CASE
                        WHEN step = 1 AND tier = 1 THEN 1
                        WHEN step > 1 AND tier = previous_tier + 1 THEN 1
                        ELSE 0
                    END
                ) = 1
        END AS tier_conformant
    FROM level_steps
    GROUP BY source, ticket_id
),

variants AS (
    SELECT
        source,
        ticket_id,
        count(*) - 1 AS status_changes,
        string_agg(status, ' > ' ORDER BY stay_number) AS variant
    FROM flow_status_interval
    GROUP BY source, ticket_id
)

SELECT
    s.source,
    s.ticket_id,
    f.priority,
    f.group_name,
    f.status_category,
    s.first_event_at,
    s.last_event_at,
    f.timezone,
    date_diff('microsecond', s.first_event_at, s.last_event_at) / 3600000000.0
        AS throughput_hours,
    v.variant,
    coalesce(v.status_changes, 0) AS status_changes,
    coalesce(g.group_changes, 0) AS group_changes,
    coalesce(a.assignee_changes, 0) AS assignee_changes,
    g.group_path,
    g.ping_pong,
    l.level_path,
    l.tier_conformant
FROM span AS s
INNER JOIN fact_ticket AS f ON f.source = s.source AND f.ticket_id = s.ticket_id
LEFT JOIN variants AS v ON v.source = s.source AND v.ticket_id = s.ticket_id
LEFT JOIN group_paths AS g ON g.source = s.source AND g.ticket_id = s.ticket_id
LEFT JOIN assignee_paths AS a ON a.source = s.source AND a.ticket_id = s.ticket_id
LEFT JOIN level_paths AS l ON l.source = s.source AND l.ticket_id = s.ticket_id
