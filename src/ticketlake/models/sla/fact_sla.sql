-- fact_sla: one row per ticket and SLA metric (response, resolution) its policy sets a target
-- for. The policy is the first of cfg_sla_rules whose conditions the ticket meets; the target
-- is the policy's for the priority in force when the clock started (cfg_params.sla_priority
-- 'current': the ticket's priority now). The clock starts at created_at and stops at the first
-- response (else the first resolution) or at the final resolution; a cancelled ticket stops
-- it at cancellation, an open one is measured up to the source's as-of time (its last event).
-- Stays in a category that pauses the metric (cfg_sla_pauses; for resolution also resolved and
-- closed stays before a reopen) do not count. Business time between two instants comes from
-- the calendar windows' running total as in sla_status_business; the breach instant is where
-- the running total reaches the clock's start value plus the target plus the paused time
-- before it. docs/sla.md gives the rules with worked examples. No grain: a running clock is
-- measured up to its source's as-of time, which any new batch moves, so every build recomputes it.
WITH as_of AS (
    SELECT source, max(last_event_at) AS as_of_at FROM fact_ticket GROUP BY source
),

first_priority AS (
    SELECT
        source,
        ticket_id,
        min_by(priority, CASE WHEN priority <> 'unknown' THEN event_number END) AS start_priority
    FROM fact_ticket_event
    GROUP BY source, ticket_id
),

clocked AS (
    SELECT
        f.source,
        f.ticket_id,
        f.created_at,
        f.first_response_at,
        f.first_resolved_at,
        f.resolved_at,
        f.cancelled_at,
        f.group_name,
        f.category,
        f.channel,
        f.customer,
        CASE
            WHEN p.sla_priority = 'current' THEN f.priority
            ELSE coalesce(s.start_priority, f.priority)
        END AS priority,
        a.as_of_at
    FROM fact_ticket AS f
    CROSS JOIN cfg_params AS p
    INNER JOIN as_of AS a ON a.source = f.source
    LEFT JOIN first_priority AS s ON s.source = f.source AND s.ticket_id = f.ticket_id
    WHERE f.created_at IS NOT NULL
),

matched AS (
    SELECT t.source, t.ticket_id, min(r.rule_order) AS rule_order
    FROM clocked AS t
    INNER JOIN cfg_sla_rules AS r
        ON
            (r.source IS NULL OR r.source = t.source)
            AND (r.priority IS NULL OR r.priority = t.priority)
            AND (r.group_name IS NULL OR r.group_name = t.group_name)
            AND (r.category IS NULL OR r.category = t.category)
            AND (r.channel IS NULL OR r.channel = t.channel)
            AND (r.customer IS NULL OR r.customer = t.customer)
    GROUP BY t.source, t.ticket_id
),

policies AS (
    SELECT DISTINCT rule_order, policy FROM cfg_sla_rules
),

clocks AS (
    SELECT
        t.*,
        g.policy,
        g.metric,
        g.target_seconds,
        g.calendar,
        CASE
            WHEN g.metric = 'response' THEN coalesce(t.first_response_at, t.first_resolved_at)
            ELSE t.resolved_at
        END AS stop_at
    FROM clocked AS t
    INNER JOIN matched AS m ON m.source = t.source AND m.ticket_id = t.ticket_id
    INNER JOIN policies AS o ON o.rule_order = m.rule_order
    INNER JOIN cfg_sla_targets AS g ON g.policy = o.policy AND g.priority = t.priority
),

bounded AS (
    -- the clock runs from created_at until it stops, the ticket is cancelled or the as-of time
    SELECT
        *,
        greatest(created_at, coalesce(stop_at, cancelled_at, as_of_at)) AS until_at
    FROM clocks
),

paused AS (
    SELECT
        c.source,
        c.ticket_id,
        c.metric,
        c.calendar,
        s.stay_number,
        s.left_at IS NULL AS is_current,
        greatest(s.entered_at, c.created_at) AS paused_from,
        least(coalesce(s.left_at, c.until_at), c.until_at) AS paused_to
    FROM bounded AS c
    INNER JOIN flow_status_interval AS s ON s.source = c.source AND s.ticket_id = c.ticket_id
    LEFT JOIN cfg_sla_pauses AS p
        ON p.policy = c.policy AND p.metric = c.metric AND p.status_category = s.status_category
    WHERE
        (p.policy IS NOT NULL OR (c.metric = 'resolution' AND s.status_category IN ('resolved', 'closed')))
        AND greatest(s.entered_at, c.created_at) < least(coalesce(s.left_at, c.until_at), c.until_at)
),

ends AS (
    -- every instant whose open time before it is needed: the clock's two ends (stay 0) and
    -- each pause's
    SELECT calendar, source, ticket_id, metric, 0 AS stay_number, 'from' AS edge, created_at AS moment
    FROM bounded
    UNION ALL
    SELECT calendar, source, ticket_id, metric, 0 AS stay_number, 'to' AS edge, until_at AS moment
    FROM bounded
    UNION ALL
    SELECT calendar, source, ticket_id, metric, stay_number, 'from' AS edge, paused_from AS moment
    FROM paused
    UNION ALL
    SELECT calendar, source, ticket_id, metric, stay_number, 'to' AS edge, paused_to AS moment
    FROM paused
),

timeline AS (
    SELECT
        calendar,
        opens_at AS moment,
        0 AS kind,
        window_number,
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS VARCHAR) AS ticket_id,
        CAST(NULL AS VARCHAR) AS metric,
        CAST(NULL AS BIGINT) AS stay_number,
        CAST(NULL AS VARCHAR) AS edge
    FROM cfg_calendar_windows
    WHERE calendar IN (SELECT calendar FROM bounded)
    UNION ALL
    SELECT calendar, moment, 1 AS kind, CAST(NULL AS BIGINT), source, ticket_id, metric, stay_number, edge
    FROM ends
),

placed AS (
    SELECT
        *,
        max(window_number) OVER (
            PARTITION BY calendar, year(moment)
            ORDER BY moment, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS last_window
    FROM timeline
),

counted AS (
    -- open microseconds of the calendar before each instant
    SELECT
        p.source,
        p.ticket_id,
        p.metric,
        p.stay_number,
        p.edge,
        coalesce(
            (w.running_seconds - w.open_seconds) * 1000000
            + least(greatest(date_diff('microsecond', w.opens_at, p.moment), 0), w.open_seconds * 1000000),
            0
        ) AS open_before
    FROM placed AS p
    LEFT JOIN cfg_calendar_years AS y
        ON p.calendar = y.calendar AND year(p.moment) = y.year
    LEFT JOIN cfg_calendar_windows AS w
        ON p.calendar = w.calendar AND coalesce(p.last_window, y.windows_before) = w.window_number
    WHERE p.kind = 1
),

spans AS (
    SELECT
        source,
        ticket_id,
        metric,
        stay_number,
        max(CASE WHEN edge = 'from' THEN open_before END) AS open_from,
        max(CASE WHEN edge = 'to' THEN open_before END) - max(CASE WHEN edge = 'from' THEN open_before END)
            AS open_microseconds
    FROM counted
    GROUP BY source, ticket_id, metric, stay_number
),

pauses AS (
    -- each pause with the paused business time before it, and the running-total value at which
    -- the target is reached when that happens before the pause begins
    SELECT
        p.source,
        p.ticket_id,
        p.metric,
        p.stay_number,
        p.is_current,
        s.open_from,
        s.open_microseconds,
        coalesce(
            sum(s.open_microseconds) OVER (
                PARTITION BY p.source, p.ticket_id, p.metric ORDER BY p.paused_from
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ),
            0
        ) AS paused_before
    FROM paused AS p
    INNER JOIN spans AS s
        ON s.source = p.source AND s.ticket_id = p.ticket_id AND s.metric = p.metric AND s.stay_number = p.stay_number
),

measured AS (
    SELECT
        c.*,
        w.open_from AS clock_from,
        w.open_microseconds AS total_microseconds,
        coalesce(q.paused_microseconds, 0) AS paused_microseconds,
        coalesce(q.paused_now, FALSE) AND c.stop_at IS NULL AND c.cancelled_at IS NULL AS paused_now,
        w.open_microseconds - coalesce(q.paused_microseconds, 0) > CAST(round(c.target_seconds * 1000000) AS BIGINT)
            AS is_breached,
        CAST(round(c.target_seconds * 1000000) AS BIGINT) + w.open_from
        + coalesce(q.breach_paused, q.paused_microseconds, 0) AS breach_value
    FROM bounded AS c
    INNER JOIN spans AS w
        ON w.source = c.source AND w.ticket_id = c.ticket_id AND w.metric = c.metric AND w.stay_number = 0
    LEFT JOIN (
        SELECT
            p.source,
            p.ticket_id,
            p.metric,
            sum(p.open_microseconds) AS paused_microseconds,
            max(p.is_current) AS paused_now,
            -- the paused time before the first pause that begins after the target is reached
            min(CASE
                WHEN CAST(round(b.target_seconds * 1000000) AS BIGINT) + z.open_from + p.paused_before <= p.open_from
                    THEN p.paused_before
            END) AS breach_paused
        FROM pauses AS p
        INNER JOIN spans AS z
            ON z.source = p.source AND z.ticket_id = p.ticket_id AND z.metric = p.metric AND z.stay_number = 0
        INNER JOIN bounded AS b
            ON b.source = p.source AND b.ticket_id = p.ticket_id AND b.metric = p.metric
        GROUP BY p.source, p.ticket_id, p.metric
    ) AS q
        ON q.source = c.source AND q.ticket_id = c.ticket_id AND q.metric = c.metric
),

values_line AS (
    -- the window in which the running total reaches each breach value: the last window that
    -- began (in running-total terms) below it
    SELECT
        calendar,
        (running_seconds - open_seconds) * 1000000 AS value,
        1 AS kind,
        window_number,
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS VARCHAR) AS ticket_id,
        CAST(NULL AS VARCHAR) AS metric
    FROM cfg_calendar_windows
    WHERE calendar IN (SELECT calendar FROM bounded)
    UNION ALL
    SELECT calendar, breach_value, 0 AS kind, CAST(NULL AS BIGINT), source, ticket_id, metric
    FROM measured
    -- breached clocks, and running ones (where they will breach if nothing more pauses them)
    WHERE is_breached OR (stop_at IS NULL AND cancelled_at IS NULL)
),

reached AS (
    SELECT
        v.source,
        v.ticket_id,
        v.metric,
        CASE
            WHEN v.value <= w.running_seconds * 1000000
                THEN make_timestamp(CAST(
                    date_diff('microsecond', TIMESTAMP '1970-01-01 00:00:00', w.opens_at)
                    + v.value - (w.running_seconds - w.open_seconds) * 1000000 AS BIGINT
                ))
        END AS crossed_at
    FROM (
        SELECT
            *,
            max(window_number) OVER (
                PARTITION BY calendar ORDER BY value, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS last_window
        FROM values_line
    ) AS v
    INNER JOIN cfg_calendar_windows AS w ON w.calendar = v.calendar AND w.window_number = v.last_window
    WHERE v.kind = 0
),

staged AS (
    SELECT
        m.*,
        (m.total_microseconds - m.paused_microseconds) / 1000000.0 AS elapsed_business_seconds,
        CASE WHEN m.is_breached THEN r.crossed_at END AS breach_at,
        CASE WHEN m.stop_at IS NULL AND m.cancelled_at IS NULL THEN r.crossed_at END AS due_at
    FROM measured AS m
    LEFT JOIN reached AS r ON r.source = m.source AND r.ticket_id = m.ticket_id AND r.metric = m.metric
)

SELECT
    source,
    ticket_id,
    metric,
    policy,
    priority,
    calendar,
    target_seconds,
    created_at AS started_at,
    coalesce(stop_at, cancelled_at) AS stopped_at,
    as_of_at,
    paused_microseconds / 1000000.0 AS paused_business_seconds,
    elapsed_business_seconds,
    date_diff('microsecond', created_at, until_at) / 1000000.0 AS elapsed_calendar_seconds,
    100.0 * elapsed_business_seconds / target_seconds AS percent_elapsed,
    breach_at,
    due_at,
    CASE
        WHEN stop_at IS NOT NULL THEN CASE WHEN is_breached THEN 'breached' ELSE 'achieved' END
        WHEN cancelled_at IS NOT NULL THEN 'cancelled'
        WHEN is_breached THEN 'breached'
        WHEN paused_now THEN 'paused'
        ELSE 'in_progress'
    END AS stage
FROM staged
