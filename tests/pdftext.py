"""Text of a generated PDF, for assertions (pypdf)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_fonts(pdf: bytes) -> set[str]:
    """Base font names used on the pages (e.g. ``/AAAAAA+WenQuanYiMicroHei-0`` for an embedded subset)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in (fonts.get_object() if fonts else {}).values():
            names.add(str(ref.get_object().get("/BaseFont", "")))
    return names
