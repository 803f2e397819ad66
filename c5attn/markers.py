"""The machine-readable markers c5attn writes into Magento order comments, and reading them back.

Magento has no place for c5attn's own state, so the comment history is the record: a flag
comment ends with ``[c5attn:flag fp=… scenarios=…]`` and a resolve comment with
``[c5attn:resolved fp=…]``. Reading them back tells ``scan`` which findings were already flagged
or resolved. Parsing is tolerant: the marker may sit anywhere in the text, inside HTML, or come
back HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from c5attn.classify import as_utc
from c5attn.models import Classification, StatusHistoryEntry, norm_code
from c5attn.scenarios import scenario_for

_MARKER = re.compile(r"\[\s*c5attn\s*:\s*(?P<kind>flag|resolved)\b(?P<attrs>[^\]]*)\]", re.IGNORECASE)
_FINGERPRINT = re.compile(r"\bfp\s*=\s*(?P<fp>[0-9a-f]+)\b", re.IGNORECASE)


def flag_marker(fingerprint: str, codes: Iterable[str]) -> str:
    """The marker a flag comment ends with: the finding's fingerprint and its scenario codes."""
    return f"[c5attn:flag fp={fingerprint} scenarios={','.join(codes)}]"


def resolve_marker(fingerprint: str | None) -> str:
    """The marker a resolve comment ends with; a stale flag has no finding, so no fingerprint."""
    return f"[c5attn:resolved fp={fingerprint}]" if fingerprint else "[c5attn:resolved]"


@dataclass(frozen=True)
class Markers:
    """The fingerprints c5attn has flagged and resolved on one order, from its comment history."""

    flagged: frozenset[str]
    resolved: frozenset[str]


def _markers_in(comment: str) -> Iterable[tuple[str, str | None]]:
    """(kind, fingerprint) for each marker in a comment, after undoing HTML escaping."""
    if "&" not in comment and "c5attn" not in comment.lower():
        return  # nothing to unescape and no marker: most comments, cheaply
    text = html.unescape(html.unescape(comment))  # Magento may escape once more on the way back
    for match in _MARKER.finditer(text):
        found = _FINGERPRINT.search(match.group("attrs"))
        yield match.group("kind").lower(), found.group("fp").lower() if found else None


def read_markers(histories: Iterable[StatusHistoryEntry]) -> Markers:
    """Collect every flag and resolve fingerprint c5attn wrote into an order's comments."""
    flagged: set[str] = set()
    resolved: set[str] = set()
    for entry in histories:
        for kind, fingerprint in _markers_in(entry.comment or ""):
            if fingerprint is not None:
                (flagged if kind == "flag" else resolved).add(fingerprint)
    return Markers(flagged=frozenset(flagged), resolved=frozenset(resolved))


def is_c5attn_comment(comment: str | None) -> bool:
    """Whether c5attn wrote this comment (it carries one of c5attn's markers)."""
    return any(True for _ in _markers_in(comment or ""))


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _newness(entry: StatusHistoryEntry) -> tuple[datetime, int]:
    """Latest ``created_at``, then highest ``entity_id``, is newest; an entry with neither sorts first
    among equals, as Magento lists an order's history newest first."""
    created = as_utc(entry.created_at) if entry.created_at is not None else _OLDEST
    return (created, entry.entity_id if entry.entity_id is not None else -1)


def commerce5_hint(histories: Iterable[StatusHistoryEntry]) -> str | None:
    """The latest non-empty comment c5attn did not write: Commerce5's explanation, usually."""
    candidates = [e for e in histories if (e.comment or "").strip() and not is_c5attn_comment(e.comment)]
    if not candidates:
        return None
    hint = max(candidates, key=_newness).comment.strip()
    # A clue, quoted in a queue's one-line "next step" and in every record: the whole comment is in
    # the order's history (``show`` lists it), so a 200,000-character one does not flood a screen.
    return hint if len(hint) <= HINT_LENGTH else hint[: HINT_LENGTH - 1].rstrip() + "…"


def latest_flag_event(histories: Iterable[StatusHistoryEntry], needs_attention: str) -> str | None:
    """Who put the order at Needs Attention last, from its history read oldest first: ``"flag"``
    (c5attn's flag comment), ``"resolved"`` (c5attn's resolve comment came after it), ``"other"``
    (an entry of Commerce5's or a person's at Needs Attention), or None (none of these).

    An entry at Needs Attention after c5attn's flag counts only when the order was at another status
    in between: a note added to a flagged order keeps the flag c5attn's. After c5attn's resolve
    comment, such an entry is a new flag. A newest ``"resolved"`` on an order still at Needs Attention
    means the resolve's comment landed and its status did not (Magento 2.4.7 GA keeps a comment's
    status; the entry shows the status sent, so only the order's own tells).
    """
    event: str | None = None
    left = False  # at another status since c5attn's last flag
    target = norm_code(needs_attention)
    # Oldest first; among equal times the later in Magento's list (newest first) is the older.
    for entry in sorted(reversed(list(histories)), key=_newness):
        kinds = {kind for kind, _ in _markers_in(entry.comment or "")}
        if kinds:
            event, left = ("flag" if kinds == {"flag"} else "resolved"), False
        elif norm_code(entry.status or "") != target:
            left = True
        elif event is None or event == "resolved" or (event == "flag" and left):
            event = "other"
    return event


HINT_LENGTH = 300


def flag_comment(classification: Classification, steps: Sequence[str], operator: str) -> str:
    """The Needs Attention comment: which scenario(s), why, what to do, who, then the marker."""
    if classification.fingerprint is None:
        raise ValueError("only a classification with a finding can be flagged")
    titles = "; ".join(
        f"{scenario.number}. {scenario.title}"
        for scenario in (scenario_for(code) for code in classification.scenarios)
    )
    lines = [
        f"Needs Attention (c5attn): {titles}.",
        "Why: " + " ".join(hit.reason for hit in classification.hits),
        "Follow-up:",
        *(f"{number}. {step}" for number, step in enumerate(steps, start=1)),
        f"Flagged by {operator}.",
        flag_marker(classification.fingerprint, classification.scenarios),
    ]
    return "\n".join(lines)


def resolve_comment(fingerprint: str | None, operator: str, note: str | None = None) -> str:
    """The comment ``resolve`` writes: who resolved it, their note, then the resolve marker."""
    lines = [f"Resolved by {operator} (c5attn)."]
    if note and note.strip():
        lines.append(f"Note: {note.strip()}")
    lines.append(resolve_marker(fingerprint))
    return "\n".join(lines)
