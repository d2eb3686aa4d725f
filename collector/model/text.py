"""What Peil accepts as text from people and programs: printable, and email addresses.

One definition for every check (CLI arguments, form and JSON fields, query
parameters), so they cannot drift apart: no C0 control character (NUL
included, which PostgreSQL refuses in text), no DEL or C1 control, no lone
surrogate (not text at all, and it cannot be encoded).
"""

from __future__ import annotations

import re

UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def printable(value: str, max_length: int) -> bool:
    """Whether `value` is at most `max_length` characters of printable text."""
    return len(value) <= max_length and not UNPRINTABLE.search(value)


def is_email(value: str) -> bool:
    """Whether `value` has the shape of an email address (and is printable)."""
    return printable(value, MAX_EMAIL_LENGTH) and bool(_EMAIL.fullmatch(value))
