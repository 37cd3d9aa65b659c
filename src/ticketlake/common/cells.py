"""Formula-safe CSV cells: the one rule every CSV ticketlake writes follows.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or
``@``, also after blanks or line breaks it skips (``"\\n=1+1"``, ``"  =1+1"``), and in the
fullwidth forms some locales type (``＝ ＋ － ＠``); a cell starting with a tab, a carriage
return or a line feed is treated the same way. Such a text cell is written with a leading
apostrophe (the OWASP advice for CSV injection), which shows the text as it is. The rule
looks at text only: a number stored as a number (``-1`` in an integer column) is written as
it is, while text that merely reads as a number or a sum (``"-2+3"``) gets the apostrophe.

:data:`PATTERN` is the rule, written once in the regular-expression syntax that Python and
DuckDB (RE2) share; :func:`guard` applies it to Python values and :func:`sql_guard` builds
the SQL expression that applies it in DuckDB.
"""

from __future__ import annotations

import re
from typing import Any

from ticketlake.common.sqltext import lit

PREFIX = "'"
# Blanks and line breaks a spreadsheet may skip before a formula: ASCII whitespace, the
# no-break space, the ideographic space and the byte-order mark.
_BLANKS = r" \t\n\v\f\r" + "\u00a0\u3000\ufeff"
_STARTS = r"=+\-@" + "\uff1d\uff0b\uff0d\uff20"  # and their fullwidth forms
PATTERN = rf"^(?:[\t\r\n]|[{_BLANKS}]*[{_STARTS}])"
_FORMULA = re.compile(PATTERN)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula."""
    return _FORMULA.match(text) is not None


def guard(value: Any) -> Any:
    """``value`` as a formula-safe CSV cell: text that could run gets :data:`PREFIX`; every
    other value (numbers, dates, None) is returned unchanged."""
    return PREFIX + value if isinstance(value, str) and is_formula(value) else value


def sql_guard(expression: str) -> str:
    """SQL of the text ``expression`` made formula-safe by the same rule as :func:`guard`."""
    return (
        f"CASE WHEN regexp_matches({expression}, {lit(PATTERN)}) "
        f"THEN {lit(PREFIX)} || {expression} ELSE {expression} END"
    )
