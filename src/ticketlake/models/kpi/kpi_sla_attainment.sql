-- kpi_sla_attainment: the SLA clocks of fact_sla that have an outcome, counted per day,
-- source, policy, metric, priority (the one that chose the target) and the ticket's current
-- group. A stopped clock counts on the (local) day it stopped: achieved or breached, or cancelled
-- (apart from attainment); a running clock past its target counts as breached on the day it
-- breached, and moves to the day it stops once it does. A running clock within its target has
-- no outcome yet (kpi_sla_at_risk lists it). docs/metrics.md#sla_attainment.
WITH outcomes AS (
    SELECT
        -- the day a clock counts on: its stop, else its breach, as a local day in the source's
        -- zone (fact_ticket.timezone; as fact_ticket's days); the one place
        CAST(timezone(f.timezone, timezone('UTC', coalesce(s.stopped_at, s.breach_at))) AS DATE) AS day,
        s.source,
        s.policy,
        s.metric,
        s.priority,
        f.group_name,
        s.stage,
        s.stopped_at
    FROM fact_sla AS s
    INNER JOIN fact_ticket AS f ON f.source = s.source AND f.ticket_id = s.ticket_id
    WHERE s.stopped_at IS NOT NULL OR s.breach_at IS NOT NULL
),

counted AS (
    SELECT
        day,
        source,
        policy,
        metric,
        priority,
        group_name,
        count(CASE WHEN stage = 'achieved' THEN 1 END) AS achieved,
        count(CASE WHEN stage = 'breached' THEN 1 END) AS breached,
        count(CASE WHEN stage = 'breached' AND stopped_at IS NULL THEN 1 END) AS breached_running,
        count(CASE WHEN stage = 'cancelled' THEN 1 END) AS cancelled
    FROM outcomes
    GROUP BY day, source, policy, metric, priority, group_name
)

SELECT
    *,
    100.0 * achieved / nullif(achieved + breached, 0) AS attainment_pct
FROM counted
