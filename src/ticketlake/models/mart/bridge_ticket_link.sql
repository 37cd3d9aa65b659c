-- bridge_ticket_link: one row per distinct link between two records of a source: an
-- interaction and the incident it produced, an incident and its problem, a record and its
-- system id. from_id is a record of the link's source (usually one of its tickets; a system-id
-- link may start from an incident known only by its number); to_id may be in any source.
SELECT
    source,
    from_id,
    from_type,
    to_id,
    to_type,
    link_type,
    min(batch_seq) AS first_batch_seq,
    count(*) AS occurrences
FROM ticket_links
GROUP BY source, from_id, from_type, to_id, to_type, link_type
