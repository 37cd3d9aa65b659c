-- kpi_sla_at_risk: the at-risk queue ("nearing SLA"): one row per running SLA clock of
-- fact_sla (neither stopped nor cancelled) that has used half of its target or more, as of
-- its source's as-of time, bucketed by percent elapsed: 50-75, 75-90, 90-100 (reaching the
-- target exactly is not a breach) and breached. Time left is in business seconds of the
-- clock's calendar (negative once breached); due_at is the instant the target is reached if
-- nothing more pauses the clock (its breach_at once breached). docs/metrics.md#sla_at_risk.
SELECT
    s.source,
    s.ticket_id,
    s.policy,
    s.metric,
    s.priority,
    f.group_name,
    s.calendar,
    s.stage,
    s.percent_elapsed,
    CASE
        WHEN s.stage = 'breached' THEN 'breached'
        WHEN s.percent_elapsed >= 90 THEN '90-100'
        WHEN s.percent_elapsed >= 75 THEN '75-90'
        ELSE '50-75'
    END AS risk,
    s.target_seconds - s.elapsed_business_seconds AS seconds_left,
    s.due_at,
    -- the day a clock is due (breaches, or breached), as a local day in the source's zone
    -- (fact_ticket.timezone; as fact_ticket's days); the one place
    CAST(timezone(f.timezone, timezone('UTC', s.due_at)) AS DATE) AS due_date,
    s.as_of_at
FROM fact_sla AS s
INNER JOIN fact_ticket AS f ON f.source = s.source AND f.ticket_id = s.ticket_id
WHERE s.stopped_at IS NULL AND s.percent_elapsed >= 50
