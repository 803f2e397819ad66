"""Characters that act on a terminal instead of showing: c5attn neither prints them raw nor writes
them to Magento.

C0 and C1 controls other than tab and newline (ESC, CR, BEL: an escape sequence can retitle or
clear a terminal, a CR overwrite a line) and the bidirectional overrides and isolates (U+202A to
U+202E, U+2066 to U+2069), which make text read in another order than it is stored.
"""

from __future__ import annotations

import re

UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(char: str) -> str:
    """How such a character is named and shown: ``\\x1b``, ``U+202E``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


def printable(text: str) -> str:
    """``text`` with every such character shown by its name: order data quoted on a terminal
    (comments, error messages, SKUs) must not act on it."""
    return UNSHOWABLE.sub(lambda match: shown(match.group()), text)
