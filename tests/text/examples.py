"""Hand-written ticket text and what masking must make of it (None: left as it is)."""

from __future__ import annotations

MASKED: tuple[tuple[str, str | None], ...] = (
    # e-mail addresses
    ("mail john.doe@example.com now", "mail [email] now"),
    ("From: J.Doe+it@mail.example.co.uk.", "From: [email]."),
    ("<anna_lee-99@corp-mail.de>", "<[email]>"),
    ("mailto:help@example.org", "mailto:[email]"),
    ("two: a@b.io, c.d@e.fr", "two: [email], [email]"),
    # URLs
    ("see https://intranet.example.com/kb/123?x=1.", "see [url]."),
    ("(http://x.org/a)", "([url])"),
    ("go to www.example.org/help, thanks", "go to [url], thanks"),
    ("HTTPS://Portal.Example.com/Ticket/9", "[url]"),
    ("share 'ftp://files.example.net/drop/log.zip'", "share '[url]'"),
    ("https://example.com/?user=jd@example.com", "[url]"),
    # phone numbers, international
    ("call +1 555 123 4567", "call [phone]"),
    ("call +44 20 7946 0958 today", "call [phone] today"),
    ("+49 (0)30 1234 5678", "[phone]"),
    ("+33 6 12 34 56 78", "[phone]"),
    ("+41791234567", "[phone]"),
    ("+1 (555) 123-4567", "[phone]"),
    ("+49-151-12345678", "[phone]"),
    ("0044 20 7946 0958", "[phone]"),
    # phone numbers, national
    ("(555) 123-4567", "[phone]"),
    ("555-123-4567", "[phone]"),
    ("555.123.4567", "[phone]"),
    ("mobile: 555 123 4567.", "mobile: [phone]."),
    ("020 7946 0958", "[phone]"),
    ("030 12345678", "[phone]"),
    ("0151-12345678", "[phone]"),
    ("030/1234567", "[phone]"),
    ("06 12 34 56 78", "[phone]"),
    ("06.12.34.56.78", "[phone]"),
    ("(030) 1234567", "[phone]"),
    ("Zoë 0151-12345678", "Zoë [phone]"),
    # all three at once
    (
        "Reach me at jd@example.com or +44 20 7946 0958, see www.example.com",
        "Reach me at [email] or [phone], see [url]",
    ),
    # left alone: dates, times, ticket numbers, versions, error codes, IPv4, paths
    ("on 2024-01-05 at 10:30:00", None),
    ("since 05/01/2024", None),
    ("since 05.01.2024 12:00", None),
    ("2024-01-05T10:30:00Z", None),
    ("between 2024-01-05 and 2024-02-01", None),
    ("INC0012345", None),
    ("TCK-0000359", None),
    ("ticket #12345678", None),
    ("ORD 12345678", None),
    ("build 10.0.19045.3693", None),
    ("v2.3.4", None),
    ("0x80070005", None),
    ("The VPN tunnel could not be established (error 809)", None),
    ("ip 192.168.100.200 and 10.0.0.138", None),
    ("gateway 10.10.100.254/24", None),
    ("room 4B, 30 seconds, port 8080", None),
    ("1 234 567 users", None),
    ("\\\\fileserver\\share", None),
    ("C:\\Users\\jd\\AppData", None),
    ("Meeting at 10:30-11:45 in room 3.14", None),
    ("", None),
)

# Where the engines differ (docs/text.md): Java's \b (Spark) counts a non-ASCII letter as a
# word character, RE2's (DuckDB) does not, so a number glued to one is masked on DuckDB only.
DUCKDB_ONLY: tuple[tuple[str, str], ...] = (
    ("Zoë0151-12345678", "Zoë[phone]"),
    ("Zoëwww.example.com", "Zoë[url]"),
)
