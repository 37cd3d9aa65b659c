-- kpi_conversion: interaction-to-incident conversion per source and technician: interactions
-- handled (the interaction's current assignee), interactions linked to at least one incident,
-- and the conversion rate; technicians below kpis.conversion_min_interactions are left out.
SELECT
    f.source,
    f.assignee AS agent,
    count(*) AS interactions,
    count(CASE WHEN f.linked_incidents > 0 THEN 1 END) AS converted,
    100.0 * count(CASE WHEN f.linked_incidents > 0 THEN 1 END) / count(*) AS conversion_pct
FROM fact_ticket AS f
WHERE f.ticket_type = 'interaction'
GROUP BY f.source, f.assignee
HAVING count(*) >= (SELECT max(conversion_min_interactions) FROM cfg_params)
