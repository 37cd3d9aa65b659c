-- dim_requester: one row per end user or customer contact who raised tickets, with their
-- organisation and location (from their most recent ticket that has one); key '-' is
-- "unknown".
WITH latest AS (
    SELECT
        requester,
        customer,
        location,
        created_at,
        row_number() OVER (
            PARTITION BY requester, customer IS NULL ORDER BY created_at DESC, source, ticket_id
        ) AS customer_rank,
        row_number() OVER (
            PARTITION BY requester, location IS NULL ORDER BY created_at DESC, source, ticket_id
        ) AS location_rank
    FROM fact_ticket
    WHERE requester IS NOT NULL
)

SELECT
    substr(md5(requester), 1, 16) AS requester_key,
    requester AS requester_name,
    max(CASE WHEN customer_rank = 1 THEN customer END) AS customer,
    max(CASE WHEN location_rank = 1 THEN location END) AS location,
    count(*) AS tickets,
    min(created_at) AS first_ticket_at
FROM latest
GROUP BY requester
UNION ALL
SELECT '-', '(unknown)', NULL, NULL, NULL, NULL
