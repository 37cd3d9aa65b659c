"""Free text of tickets (titles, descriptions): what the warehouse keeps of it, and what it is
about (themes, sentiment, language; docs/text.md)."""

# The third-party modules of the ``text`` extra, which themes, sentiment and language need.
MODULES = ("sklearn", "vaderSentiment", "py3langid")
