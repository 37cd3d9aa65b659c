-- bridge_ticket_label: one row per label of a ticket's current labels (tickets.labels, the
-- labels the latest event that carried any gave it); a ticket without labels has no row.
-- The KPIs sliced by label join it to their ticket rows (docs/metrics.md#labels).
-- grain: ticket
SELECT DISTINCT
    t.source,
    t.ticket_id,
    u.label
FROM tickets AS t
CROSS JOIN UNNEST(CAST(CAST(t.labels AS JSON) AS VARCHAR[])) AS u (label)
WHERE t.labels IS NOT NULL AND u.label IS NOT NULL
