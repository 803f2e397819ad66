"""Small helpers for the words of c5attn's messages."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """"1 order error", "2 order errors": a count in words that read, not "error(s)"."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
