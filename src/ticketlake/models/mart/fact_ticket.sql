-- fact_ticket: one row per ticket, keyed by (source, ticket_id), with its milestones, current
-- state, counters, durations and service-level outcome. docs/metrics.md gives every rule.
-- Its days (created_date, ...) are local days in its source's zone (timezone, as on its
-- events; engine/dialect.py defines local time once).
-- grain: ticket
WITH ev AS (
    SELECT
        e.source,
        e.ticket_id,
        max(CASE WHEN l.format = 'interactions' THEN 1 ELSE 0 END) AS interactions,
        max_by(e.state, e.event_number) AS final_state,
        max(e.timezone) AS timezone,
        max(CASE WHEN e.is_reopen THEN e.event_time END) AS last_reopen_at,
        count(e.assignee_now) + count(e.group_now) AS assignment_facts,
        min(CASE WHEN e.event_type = 'responded' THEN e.event_time END) AS first_response_at,
        max(CASE WHEN e.event_type = 'resolved' THEN e.event_time END) AS resolved_event_at,
        max(CASE WHEN e.event_type = 'closed' THEN e.event_time END) AS closed_event_at,
        min(CASE WHEN e.is_resolution THEN e.event_time END) AS first_resolved_at,
        max(CASE WHEN e.is_resolution THEN e.event_time END) AS resolution_change_at,
        max(CASE WHEN e.state IS DISTINCT FROM e.previous_state THEN e.event_time END)
            AS state_since,
        count(CASE WHEN e.is_reopen THEN 1 END) AS reopens_observed,
        count(CASE WHEN e.is_reassignment THEN 1 END) AS reassignments_observed,
        max_by(
            e.source_reopen_count,
            CASE WHEN e.source_reopen_count IS NOT NULL THEN e.event_number END
        ) AS source_reopen_count,
        max_by(
            e.source_reassignment_count,
            CASE WHEN e.source_reassignment_count IS NOT NULL THEN e.event_number END
        ) AS source_reassignment_count
    FROM fact_ticket_event AS e
    LEFT JOIN ledger AS l ON l.batch_id = e.batch_id
    GROUP BY e.source, e.ticket_id
),

links AS (
    SELECT
        source,
        from_id AS ticket_id,
        count(DISTINCT CASE WHEN to_type = 'incident' THEN to_id END) AS linked_incidents,
        count(DISTINCT CASE WHEN to_type = 'problem' THEN to_id END) AS linked_problems
    FROM ticket_links
    GROUP BY source, from_id
),

shaped AS (
    SELECT
        t.source,
        t.ticket_id,
        t.external_id,
        CASE WHEN ev.interactions = 1 THEN 'interaction' ELSE 'ticket' END AS ticket_type,
        t.title,
        t.created_at,
        ev.first_response_at,
        ev.first_resolved_at,
        -- The final resolution: the last explicit resolved event, unless the ticket was reopened
        -- after it and resolved again by a status change alone.
        CASE
            WHEN ev.final_state NOT IN ('resolved', 'closed') THEN NULL
            WHEN ev.last_reopen_at IS NULL OR ev.resolved_event_at >= ev.last_reopen_at
                THEN coalesce(ev.resolved_event_at, ev.resolution_change_at)
            ELSE ev.resolution_change_at
        END AS resolved_at,
        -- The source's own resolution time, beside the derived one: its last resolved event
        -- (ServiceNow's resolved_at), whatever the ticket's state is now.
        ev.resolved_event_at AS source_resolved_at,
        CASE
            WHEN ev.final_state <> 'closed' THEN NULL
            WHEN ev.last_reopen_at IS NULL OR ev.closed_event_at >= ev.last_reopen_at
                THEN coalesce(ev.closed_event_at, ev.state_since)
            ELSE ev.state_since
        END AS closed_at,
        CASE WHEN ev.final_state = 'cancelled' THEN ev.state_since END AS cancelled_at,
        t.last_event_at,
        ev.timezone,
        t.status,
        coalesce(ev.final_state, 'unknown') AS status_category,
        ev.final_state NOT IN ('resolved', 'closed', 'cancelled') AS is_open,  -- NULL: unknown
        coalesce(a.priority, 'unknown') AS priority,
        t.group_name,
        t.support_level,
        t.assignee,
        t.requester,
        t.customer,
        t.location,
        t.country,
        t.category,
        t.subcategory,
        t.channel,
        -- Counters: the source's own when it exports one; else what the events show, or NULL
        -- when they say nothing about state (reopens) or assignment (reassignments).
        coalesce(
            ev.source_reopen_count, CASE WHEN ev.final_state IS NOT NULL THEN ev.reopens_observed END
        ) AS reopen_count,
        ev.reopens_observed,
        coalesce(
            ev.source_reassignment_count,
            CASE WHEN ev.assignment_facts > 0 THEN ev.reassignments_observed END
        ) AS reassignment_count,
        ev.reassignments_observed,
        coalesce(l.linked_incidents, 0) AS linked_incidents,
        coalesce(l.linked_problems, 0) AS linked_problems,
        t.made_sla AS source_sla_met,
        t.labels,
        t.vendor_reply_minutes,
        t.vendor_reply_business_minutes,
        t.vendor_resolution_minutes,
        t.vendor_resolution_business_minutes,
        t.events
    FROM tickets AS t
    INNER JOIN ev ON ev.source = t.source AND ev.ticket_id = t.ticket_id
    LEFT JOIN links AS l ON l.source = t.source AND l.ticket_id = t.ticket_id
    LEFT JOIN cfg_priority_aliases AS a ON a.raw_key = lower(trim(t.priority_raw))
),

timed AS (
    SELECT
        s.*,
        date_diff('microsecond', s.created_at, s.first_response_at) / 3600000000.0
            AS first_response_hours,
        date_diff('microsecond', s.created_at, s.resolved_at) / 3600000000.0
            AS resolution_hours,
        p.response_target_hours,
        p.resolution_target_hours
    FROM shaped AS s
    LEFT JOIN cfg_priorities AS p ON p.priority = s.priority
)

SELECT
    source,
    ticket_id,
    external_id,
    ticket_type,
    coalesce(substr(md5(assignee), 1, 16), '-') AS agent_key,
    coalesce(substr(md5(group_name), 1, 16), '-') AS group_key,
    coalesce(substr(md5(requester), 1, 16), '-') AS requester_key,
    CASE
        WHEN location IS NULL AND country IS NULL THEN '-'
        ELSE substr(md5(concat_ws('|', coalesce(location, ''), coalesce(country, ''))), 1, 16)
    END AS location_key,
    coalesce(substr(md5(status), 1, 16), '-') AS status_key,
    priority AS priority_key,
    CASE
        WHEN category IS NULL AND subcategory IS NULL THEN '-'
        ELSE substr(md5(concat_ws('|', coalesce(category, ''), coalesce(subcategory, ''))), 1, 16)
    END AS category_key,
    coalesce(substr(md5(channel), 1, 16), '-') AS channel_key,
    timezone,
    CAST(timezone(timezone, timezone('UTC', created_at)) AS DATE) AS created_date,
    CAST(timezone(timezone, timezone('UTC', first_resolved_at)) AS DATE) AS first_resolved_date,
    CAST(timezone(timezone, timezone('UTC', resolved_at)) AS DATE) AS resolved_date,
    CAST(timezone(timezone, timezone('UTC', closed_at)) AS DATE) AS closed_date,
    created_at,
    first_response_at,
    first_resolved_at,
    resolved_at,
    source_resolved_at,
    closed_at,
    cancelled_at,
    last_event_at,
    status,
    status_category,
    is_open,
    priority,
    group_name,
    support_level,
    assignee,
    requester,
    customer,
    location,
    country,
    category,
    subcategory,
    channel,
    title,
    reopen_count,
    reopens_observed,
    reassignment_count,
    reassignments_observed,
    linked_incidents,
    linked_problems,
    first_response_hours,
    resolution_hours,
    response_target_hours,
    resolution_target_hours,
    CASE
        WHEN first_response_hours IS NOT NULL AND response_target_hours IS NOT NULL
            THEN first_response_hours <= response_target_hours
    END AS within_response_target,
    CASE
        WHEN resolution_hours IS NOT NULL AND resolution_target_hours IS NOT NULL
            THEN resolution_hours <= resolution_target_hours
    END AS within_resolution_target,
    source_sla_met,
    -- The vendor's own figures, kept beside first_response_hours and resolution_hours.
    vendor_reply_minutes,
    vendor_reply_business_minutes,
    vendor_resolution_minutes,
    vendor_resolution_business_minutes,
    labels,
    events
FROM timed
