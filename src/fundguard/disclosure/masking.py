"""Desensitisation (脱敏) of personal data before anything is published.

Names keep the first character (``张三丰`` → ``张**``: one ``*`` per hidden character); identity
numbers keep the first 6 and last 4 characters (``110101199003071234`` → ``110101********1234``).
``mask_text`` applies the identity-number rule to free text and masks the names it is given.
"""

from __future__ import annotations

import re

ID_18_OR_15 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_id_number(number: str) -> str:
    number = (number or "").strip()
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 2, 0) if number else number
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_text(text: str, names: list[str] | tuple[str, ...] = ()) -> str:
    """Mask 15/18-character identity numbers in ``text`` and every occurrence of ``names``."""
    out = ID_18_OR_15.sub(lambda m: mask_id_number(m.group(0)), text or "")
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    return out
