-- sentiment_weekly: per ISO week (local) of creation, source, group and customer (the
-- requester where a source names no customer), the tickets with text, their mean sentiment
-- (VADER's compound score, -1 to 1) and the share that reads negative (below -0.05).
SELECT
    CAST(date_trunc('week', f.created_date) AS DATE) AS week_start,
    f.source,
    coalesce(f.group_name, '(none)') AS group_name,
    coalesce(f.customer, f.requester, '(none)') AS customer,
    count(t.sentiment) AS tickets,
    avg(t.sentiment) AS mean_sentiment,
    100.0 * count(CASE WHEN t.sentiment < -0.05 THEN 1 END) / nullif(count(t.sentiment), 0)
        AS negative_pct
FROM fact_ticket AS f
INNER JOIN text_ticket AS t ON t.source = f.source AND t.ticket_id = f.ticket_id
GROUP BY ALL
ORDER BY week_start, source, group_name, customer
