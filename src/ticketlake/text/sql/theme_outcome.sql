-- theme_outcome: per scope, theme and source (and across sources, source '*'), its tickets and their outcomes: median hours to first
-- response and to resolution (of tickets that have one), the resolution SLA's breach rate
-- (breached of breached and achieved), the reopen rate (reopened of resolved at least once),
-- the ping-pong rate (of tickets with a group path) and the mean and negative share of
-- sentiment. Definitions as in docs/metrics.md; docs/text.md#outcomes.
WITH sla AS (
    SELECT source, ticket_id, stage FROM fact_sla WHERE metric = 'resolution'
)

SELECT
    t.scope,
    coalesce(t.source, '*') AS source,
    t.theme,
    coalesce(h.label, '(no theme)') AS label,
    h.keyphrases,
    count(*) AS tickets,
    100.0 * count(*) / sum(count(*)) OVER (PARTITION BY t.scope, t.source) AS share_pct,
    count(CASE WHEN f.is_open THEN 1 END) AS open_tickets,
    median(f.first_response_hours) AS median_first_response_hours,
    median(f.resolution_hours) AS median_resolution_hours,
    100.0 * count(CASE WHEN s.stage = 'breached' THEN 1 END)
        / nullif(count(CASE WHEN s.stage IN ('breached', 'achieved') THEN 1 END), 0)
        AS breach_rate_pct,
    100.0 * count(CASE WHEN f.first_resolved_at IS NOT NULL AND f.reopen_count > 0 THEN 1 END)
        / nullif(count(f.first_resolved_at), 0) AS reopen_rate_pct,
    100.0 * count(CASE WHEN w.ping_pong THEN 1 END) / nullif(count(w.ping_pong), 0)
        AS ping_pong_pct,
    avg(t.sentiment) AS mean_sentiment,
    100.0 * count(CASE WHEN t.sentiment < -0.05 THEN 1 END) / nullif(count(t.sentiment), 0)
        AS negative_pct
FROM text_ticket AS t
INNER JOIN fact_ticket AS f ON f.source = t.source AND f.ticket_id = t.ticket_id
LEFT JOIN text_theme AS h ON h.scope = t.scope AND h.theme = t.theme
LEFT JOIN sla AS s ON s.source = t.source AND s.ticket_id = t.ticket_id
LEFT JOIN flow_ticket AS w ON w.source = t.source AND w.ticket_id = t.ticket_id
GROUP BY GROUPING SETS ((t.scope, t.source, t.theme, h.label, h.keyphrases),
                        (t.scope, t.theme, h.label, h.keyphrases))
ORDER BY t.scope, source, tickets DESC, t.theme
