-- dim_channel: one row per contact channel (phone, email, portal, ...); key '-' is "unknown".
SELECT DISTINCT substr(md5(channel), 1, 16) AS channel_key, channel
FROM fact_ticket
WHERE channel IS NOT NULL
UNION ALL
SELECT '-', '(unknown)'
