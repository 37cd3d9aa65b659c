-- comment_sentiment_weekly: per ISO week (local, in the source's time zone) of the comment,
-- source, the ticket's group, its customer (the requester where a source names no customer)
-- and whether the requester wrote it: the comments, their mean sentiment (VADER's compound
-- score, -1 to 1) and the share that reads negative (below -0.05). Comments without a score
-- (nothing but masking tokens) are not counted.
SELECT
    CAST(date_trunc('week', CAST(timezone(f.timezone, timezone('UTC', c.commented_at)) AS DATE))
        AS DATE) AS week_start,
    f.source,
    coalesce(f.group_name, '(none)') AS group_name,
    coalesce(f.customer, f.requester, '(none)') AS customer,
    c.by_requester,
    count(c.sentiment) AS comments,
    avg(c.sentiment) AS mean_sentiment,
    100.0 * count(CASE WHEN c.sentiment < -0.05 THEN 1 END) / nullif(count(c.sentiment), 0)
        AS negative_pct
FROM text_comment AS c
INNER JOIN fact_ticket AS f ON f.source = c.source AND f.ticket_id = c.ticket_id
GROUP BY ALL
HAVING count(c.sentiment) > 0
ORDER BY week_start, source, group_name, customer, by_requester
