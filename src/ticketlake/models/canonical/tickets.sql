-- tickets: the current state of each ticket, derived from its events.
-- One row per (source, ticket_id). Attributes come from the most recent event that carries
-- them (by event time; at the same instant creation first and resolution, then closure,
-- last, as in fact_ticket_event; then commit order and source line); milestones from types.
-- A snapshot sighting counts as an event at the end of its day (last_event_at, events).
-- grain: ticket
WITH presence AS (
    SELECT
        source,
        ticket_id,
        CAST(max(seen_on) AS TIMESTAMP) + INTERVAL 1 DAY AS last_seen_at,
        count(*) AS sightings
    FROM ticket_sightings
    GROUP BY source, ticket_id
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY source, ticket_id
            ORDER BY
                event_time DESC,
                CASE event_type
                    WHEN 'created' THEN 0 WHEN 'resolved' THEN 2 WHEN 'closed' THEN 3
                    WHEN 'cancelled' THEN 3 ELSE 1
                END DESC,
                batch_seq DESC,
                source_line DESC
        ) AS recency
    FROM ticket_events
)

SELECT
    r.source,
    r.ticket_id,
    arg_min(external_id, CASE WHEN external_id IS NOT NULL THEN recency END) AS external_id,
    coalesce(
        min(CASE WHEN event_type = 'created' THEN event_time END),
        min(created_at),
        min(event_time)
    ) AS created_at,
    min(CASE WHEN event_type = 'responded' THEN event_time END) AS first_response_at,
    min(CASE WHEN event_type = 'resolved' THEN event_time END) AS first_resolved_at,
    max(CASE WHEN event_type = 'resolved' THEN event_time END) AS resolved_at,
    max(CASE WHEN event_type = 'closed' THEN event_time END) AS closed_at,
    CASE
        WHEN max(p.last_seen_at) > max(r.event_time) THEN max(p.last_seen_at)
        ELSE max(r.event_time)
    END AS last_event_at,
    arg_min(status, CASE WHEN status IS NOT NULL THEN recency END) AS status,
    coalesce(
        arg_min(status_category, CASE WHEN status IS NOT NULL THEN recency END), 'unknown'
    ) AS status_category,
    coalesce(
        arg_min(priority, CASE WHEN priority_raw IS NOT NULL THEN recency END), 'unknown'
    ) AS priority,
    arg_min(priority_raw, CASE WHEN priority_raw IS NOT NULL THEN recency END) AS priority_raw,
    arg_min(group_name, CASE WHEN group_name IS NOT NULL THEN recency END) AS group_name,
    arg_min(assignee, CASE WHEN assignee IS NOT NULL THEN recency END) AS assignee,
    arg_min(support_level, CASE WHEN support_level IS NOT NULL THEN recency END) AS support_level,
    arg_min(requester, CASE WHEN requester IS NOT NULL THEN recency END) AS requester,
    arg_min(customer, CASE WHEN customer IS NOT NULL THEN recency END) AS customer,
    arg_min(location, CASE WHEN location IS NOT NULL THEN recency END) AS location,
    arg_min(country, CASE WHEN country IS NOT NULL THEN recency END) AS country,
    arg_min(channel, CASE WHEN channel IS NOT NULL THEN recency END) AS channel,
    arg_min(category, CASE WHEN category IS NOT NULL THEN recency END) AS category,
    arg_min(subcategory, CASE WHEN subcategory IS NOT NULL THEN recency END) AS subcategory,
    -- Title and description with personal data masked (e-mail addresses, then URLs, then
    -- phone numbers, each by a typed token); the same patterns, in this order, for both.
    -- ticketlake.text.masking reads them from here; docs/text.md explains them.
    regexp_replace(
        regexp_replace(
            regexp_replace(
                arg_min(title, CASE WHEN title IS NOT NULL THEN recency END),
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[email]', 'g'
            ),
            '(?i)(\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>"\x27]*[^\s<>"\x27.,;:!?)]', '[url]', 'g'
        ),
        '\+[1-9][0-9]{0,2}[ .-]?(\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,5}\b|\b00[1-9][0-9]{0,2}[ .-]?(\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,5}\b|\([0-9]{2,5}\) ?[0-9]{3,4}[ .-]?[0-9]{3,4}\b|\b[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{4}\b|\b0[0-9]{1,4}[ /.-][0-9]{3,4}[ .-]?[0-9]{3,5}\b|\b0[0-9]([ .-][0-9]{2}){4}\b',
        '[phone]', 'g'
    ) AS title,
    regexp_replace(
        regexp_replace(
            regexp_replace(
                arg_min(description, CASE WHEN description IS NOT NULL THEN recency END),
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[email]', 'g'
            ),
            '(?i)(\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>"\x27]*[^\s<>"\x27.,;:!?)]', '[url]', 'g'
        ),
        '\+[1-9][0-9]{0,2}[ .-]?(\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,5}\b|\b00[1-9][0-9]{0,2}[ .-]?(\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,5}\b|\([0-9]{2,5}\) ?[0-9]{3,4}[ .-]?[0-9]{3,4}\b|\b[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{4}\b|\b0[0-9]{1,4}[ /.-][0-9]{3,4}[ .-]?[0-9]{3,5}\b|\b0[0-9]([ .-][0-9]{2}){4}\b',
        '[phone]', 'g'
    ) AS description,
    coalesce(
        arg_min(reopen_count, CASE WHEN reopen_count IS NOT NULL THEN recency END),
        count(CASE WHEN event_type = 'reopened' THEN 1 END)
    ) AS reopen_count,
    arg_min(
        reassignment_count, CASE WHEN reassignment_count IS NOT NULL THEN recency END
    ) AS reassignment_count,
    arg_min(made_sla, CASE WHEN made_sla IS NOT NULL THEN recency END) AS made_sla,
    -- Labels as the latest event gave them (a JSON array of strings; '[]' says none now).
    arg_min(labels, CASE WHEN labels IS NOT NULL THEN recency END) AS labels,
    -- The vendor's own reply and resolution figures, as its latest export said.
    arg_min(
        vendor_reply_minutes, CASE WHEN vendor_reply_minutes IS NOT NULL THEN recency END
    ) AS vendor_reply_minutes,
    arg_min(
        vendor_reply_business_minutes,
        CASE WHEN vendor_reply_business_minutes IS NOT NULL THEN recency END
    ) AS vendor_reply_business_minutes,
    arg_min(
        vendor_resolution_minutes,
        CASE WHEN vendor_resolution_minutes IS NOT NULL THEN recency END
    ) AS vendor_resolution_minutes,
    arg_min(
        vendor_resolution_business_minutes,
        CASE WHEN vendor_resolution_business_minutes IS NOT NULL THEN recency END
    ) AS vendor_resolution_business_minutes,
    count(*) + coalesce(max(p.sightings), 0) AS events
FROM ranked AS r
LEFT JOIN presence AS p ON p.source = r.source AND p.ticket_id = r.ticket_id
GROUP BY r.source, r.ticket_id
