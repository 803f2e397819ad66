"""Small helpers for the words of c5attn's messages."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def counted(count: int, noun: str) -> str:
    """"1 order error", "2 order errors": a count in words that read, not "error(s)"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def one_line(text: str, length: int | None = None) -> str:
    """``text`` on one line (a message may quote a multi-line answer), cut after ``length``
    characters with how long it was, so an error stays a line an operator can read."""
    flat = " ".join(text.split())
    if length is None or len(flat) <= length:
        return flat
    return f"{flat[:length]}… ({len(flat):,} characters)"


def status_change(before: str, after: str) -> str:
    """"status stays complete" or "status needs_attention → processing": one wording for every write."""
    return f"status stays {after}" if before == after else f"status {before} → {after}"


_CENT = Decimal("0.01")


def money(value: object, currency: str) -> str:
    """An amount as c5attn shows money: two decimals, thousands grouped, then the currency.

    Half a cent rounds away from zero, as Magento rounds amounts (PHP's ``round``): a money at risk
    of 1.5 × 12.35 shows 18.53, as Magento shows that row, not 18.52 (``format``'s half-even).
    """
    amount = Decimal(str(value or 0))
    with suppress(InvalidOperation):  # beyond the context's precision there are no cents to round
        amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{amount:,.2f} {currency}".strip()


# Why a status c5attn sent with a comment did not land, where Magento kept the order's status.
STATUS_KEPT_CAUSE = "Magento 2.4.7 GA ignores a status sent with a comment"


def no_status_to_set(state: str) -> str:
    """Why ``resolve`` cannot take an order in ``state`` out of Needs Attention, where what
    state_statuses lists for the state is not at hand: true whether it lists no status or Needs
    Attention alone (``no_status_to_set_given`` says which)."""
    return f"state_statuses lists no status for state {state!r} that resolve could set"


def no_status_to_set_given(state: str, listed: Sequence[str]) -> str:
    """``no_status_to_set`` where state_statuses lists ``listed`` for ``state``: nothing (a state it
    leaves out, ``payment_review`` by default), or Needs Attention alone."""
    if not listed:
        return f"state_statuses lists no statuses for state {state!r}, so resolve has none to set"
    return (
        f"no status but Needs Attention is assigned to state {state!r} (state_statuses), "
        "so resolve has none to set"
    )


def not_assigned(status: str, state: str, listed: Sequence[str]) -> str:
    """Why ``status`` cannot be set on an order in ``state``, of which state_statuses lists
    ``listed``: Magento refuses a status not assigned to the order's state (2.4.7 GA ignores it)."""
    statuses = f"only {', '.join(listed)}" if listed else "no statuses"
    return f"status {status!r} is not assigned to state {state!r} (state_statuses lists {statuses} for it)"
