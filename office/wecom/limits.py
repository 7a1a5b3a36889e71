"""What one WeCom message may carry: the group robot's text is at most 2,048 bytes, its markdown
4,096 (UTF-8). Longer content is cut at the last whole character that fits, never in the middle of
a multi-byte one (a Chinese character is three bytes), with an ellipsis to say so."""

from __future__ import annotations

from typing import Final

TEXT_BYTES: Final = 2048
MARKDOWN_BYTES: Final = 4096
ELLIPSIS: Final = "…"


def cut_to_bytes(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` if its UTF-8 fits in ``limit`` bytes; else its longest prefix of whole characters
    that fits together with ``ellipsis``."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(ellipsis.encode("utf-8"))
    if room <= 0:
        return ellipsis.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    # errors="ignore" drops only the partial character the byte cut left at the end
    return data[:room].decode("utf-8", errors="ignore") + ellipsis
