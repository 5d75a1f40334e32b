"""CSV formula injection: the neutralization every CSV export applies to its text columns.

A cell that starts with `=`, `+`, `-`, `@`, TAB, CR or NUL opens as a formula in Excel, LibreOffice
or Google Sheets (`=HYPERLINK(...)` runs when the file is opened). Following OWASP's CSV injection
guidance, such a text cell gets a leading single quote and every text field is quoted; numbers and
timestamps are left as they are. JSONL and Parquet exports keep the exact text.
"""
from __future__ import annotations

# OWASP's list (ASVS 1.2.10 adds NUL), plus the full-width forms of = + - @, which some spreadsheet
# locales also read as the start of a formula: a quote more in a rare cell is the cheap side.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_TRIGGER_SQL = ", ".join(f"chr({ord(c)})" for c in FORMULA_TRIGGERS)  # code points, no odd bytes in SQL


def neutralized_column(column: str) -> str:
    """SQL for a text column, a cell starting with a trigger prefixed with a quote, under its own name.
    `column` comes from `Generation.COLUMNS` (code), never from a user."""
    return f"CASE WHEN left({column}, 1) IN ({_TRIGGER_SQL}) THEN '''' || {column} ELSE {column} END AS {column}"


def csv_select(columns: tuple[str, ...], text_columns: set[str]) -> str:
    """The SELECT list of a CSV export: text columns neutralized, the others as stored."""
    return ", ".join(neutralized_column(c) if c in text_columns else c for c in columns)


def csv_copy_options(columns: tuple[str, ...], text_columns: set[str]) -> str:
    """COPY options: a header, and every text field quoted (numbers stay unquoted numbers)."""
    quoted = ", ".join(c for c in columns if c in text_columns)
    return f"(FORMAT csv, HEADER true, FORCE_QUOTE ({quoted}))" if quoted else "(FORMAT csv, HEADER true)"
