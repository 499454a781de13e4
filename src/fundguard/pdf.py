"""PDF with Chinese text (reportlab): the CJK font every generated document embeds.

The font is Debian's WenQuanYi Micro Hei (``fonts-wqy-microhei``, installed by
scripts/system-deps.sh); reportlab subsets it and writes a ToUnicode map, so the text of a
document can be searched and copied.
"""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from fundguard.errors import Conflict

CJK_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
CJK_FONT_NAME = "WenQuanYiMicroHei"
PDF_TYPE = "application/pdf"


def cjk_font() -> str:
    """The registered CJK font's name (registered on first use); a missing font is a 409."""
    if CJK_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, CJK_FONT_PATH, subfontIndex=0))
        except Exception as exc:  # noqa: BLE001 — a missing font is a configuration error
            raise Conflict(
                "PDF_FONT_MISSING",
                f"无法加载中文字体 {CJK_FONT_PATH}，不能生成 PDF",
                f"CJK font unavailable: {exc}",
            ) from None
    return CJK_FONT_NAME
