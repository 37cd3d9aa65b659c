-- ticket_comments: one row per comment a ticket's events carry (ticket_events.comment:
-- Zendesk's audit comments, Jira's issue comments, GitHub's issue comments), with its time,
-- its author and whether the author is the ticket's requester (as tickets.requester names
-- them; NULL when either is unknown).
-- grain: ticket
SELECT
    e.source,
    e.ticket_id,
    e.event_key AS comment_key,
    e.event_time AS commented_at,
    e.changed_by AS author,
    e.changed_by = t.requester AS by_requester,
    -- The comment with personal data masked exactly as tickets.title and tickets.description
    -- are (the same patterns in the same order); ticketlake.text.masking checks that it is.
    regexp_replace(
        regexp_replace(
            regexp_replace(
                e.comment,
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[email]', 'g'
            ),
            '(?i)(\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>"\x27]*[^\s<>"\x27.,;:!?)]', '[url]', 'g'
        ),
        '\+[1-9][0-9]{0,2}[ .-]?(\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,5}\b|\b00[1-9][0-9]{0,2}[ .-]?(\(0?[0-9]{1,4}\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,5}\b|\([0-9]{2,5}\) ?[0-9]{3,4}[ .-]?[0-9]{3,4}\b|\b[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{4}\b|\b0[0-9]{1,4}[ /.-][0-9]{3,4}[ .-]?[0-9]{3,5}\b|\b0[0-9]([ .-][0-9]{2}){4}\b',
        '[phone]', 'g'
    ) AS comment
FROM ticket_events AS e
LEFT JOIN tickets AS t ON t.source = e.source AND t.ticket_id = e.ticket_id
WHERE e.comment IS NOT NULL
