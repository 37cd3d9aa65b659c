-- kpi_location_demand: per source, location and country: tickets created, their share of the
-- source's tickets, tickets still open and the median hours to resolution.
SELECT
    source,
    location,
    country,
    count(*) AS tickets,
    100.0 * count(*) / sum(count(*)) OVER (PARTITION BY source) AS share_pct,
    count(CASE WHEN is_open THEN 1 END) AS open_tickets,
    median(resolution_hours) AS median_resolution_hours
FROM fact_ticket
GROUP BY source, location, country
