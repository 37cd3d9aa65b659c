-- dim_requester: one row per end user or customer contact who raised tickets, with their
-- organisation and location (from their most recent ticket that has one); key '-' is "unknown".
SELECT
    substr(md5(requester), 1, 16) AS requester_key,
    requester AS requester_name,
    max_by(customer, CASE WHEN customer IS NOT NULL THEN created_at END) AS customer,
    max_by(location, CASE WHEN location IS NOT NULL THEN created_at END) AS location,
    count(*) AS tickets,
    min(created_at) AS first_ticket_at
FROM fact_ticket
WHERE requester IS NOT NULL
GROUP BY requester
UNION ALL
SELECT '-', '(unknown)', NULL, NULL, NULL, NULL
