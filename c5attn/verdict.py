"""What c5attn concludes about one order of one site: its finding plus its flag state.

Pure: the classification (``c5attn.classify``) says what is wrong from data; this module adds what
the Magento status and comment history say about it (flagged, stale, resolved, already flagged)
and decides whether ``scan --apply`` should flag it. ``Verdict.to_json`` is the public JSON
contract of ``scan --json``, ``list --json`` and ``show --json``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from c5attn.classify import as_utc, classify
from c5attn.jsontext import compact_json
from c5attn.markers import Markers, commerce5_hint, latest_flag_event, read_markers
from c5attn.models import Classification, CounterpointOrder, MagentoOrder, norm_code
from c5attn.scenarios import (
    KEPT_FLAGGED_STEP,
    STALE_STEPS,
    WorkLeft,
    admin_status_step,
    needed_steps,
    playbook,
    steps_for_order,
    unclassified_steps,
)


@dataclass
class Verdict:
    """One order's classification and flag state for a site, with the steps staff should take."""

    order: MagentoOrder
    cp: CounterpointOrder | None
    classification: Classification
    flagged: bool  # the order sits in Magento's Needs Attention view (whoever put it there)
    now: datetime
    resolvable: bool = True  # the site assigns the order's state a status resolve may set

    # Read from the comment history on first use: a scan only needs them for orders with a
    # finding or a flag, a small share of the orders it reads.
    @cached_property
    def markers(self) -> Markers:
        """The fingerprints c5attn flagged and resolved on this order."""
        return read_markers(self.order.status_histories)

    @cached_property
    def hint(self) -> str | None:
        """Commerce5's latest comment (not c5attn's), shown for flags no rule explains."""
        return commerce5_hint(self.order.status_histories)

    @property
    def resolved(self) -> bool:
        """Someone resolved this very finding with c5attn; it stays quiet until the evidence changes."""
        return self._marked(self.markers.resolved)

    @property
    def already_flagged(self) -> bool:
        """c5attn flagged this very finding before (even if someone has since changed the status)."""
        return self._marked(self.markers.flagged)

    def _marked(self, fingerprints: frozenset[str]) -> bool:
        """Whether a marker names this finding (``Classification.fingerprints``)."""
        cls = self.classification
        return cls.fingerprint is not None and not fingerprints.isdisjoint(cls.fingerprints)

    @property
    def stale(self) -> bool:
        """Flagged, but no rule matches (any more): a candidate for ``resolve``."""
        return self.flagged and not self.classification.hits

    @cached_property
    def _flag_event(self) -> str | None:
        """Who put the order at Needs Attention last (``markers.latest_flag_event``); asked of flagged
        orders only, whose status is Needs Attention."""
        return latest_flag_event(self.order.status_histories, self.order.status)

    @property
    def unclassified(self) -> bool:
        """A stale flag c5attn did not set: Commerce5 saw something the rules do not explain. (After
        c5attn's own resolve comment, the flag is still c5attn's: ``resolve_kept_flagged``.)"""
        return self.stale and self._flag_event in (None, "other")

    @property
    def resolve_kept_flagged(self) -> bool:
        """c5attn's resolve comment is the newest word on this flagged order, whose finding it resolved
        (or which has none): the status it set did not land (Magento 2.4.7 GA keeps a comment's
        status), and resolving again would only add the same comment."""
        return (
            self.flagged
            and self._flag_event == "resolved"
            and (self.resolved or not self.classification.hits)
        )

    @property
    def nothing_to_resolve(self) -> str | None:
        """Why ``resolve`` has nothing to do here, or None: it takes an order out of Needs Attention or
        marks a finding resolved, and must not overwrite the status of an order that needs neither."""
        if self.flagged:
            return None
        if not self.classification.hits:
            return "c5attn finds no discrepancy on it"
        if self.resolved:
            return "its finding was resolved earlier with the same evidence"
        return None

    @property
    def needs_flag(self) -> bool:
        """``scan --apply`` should set Needs Attention: a new finding nobody flagged or resolved."""
        return (
            bool(self.classification.hits)
            and not self.resolved
            and not self.flagged
            and not self.already_flagged
        )

    @property
    def steps(self) -> tuple[str, ...]:
        """The playbook for this order, its commands naming the order number."""
        if self.classification.scenario is not None:
            steps = playbook(self.classification.scenarios)
        elif self.unclassified:
            return unclassified_steps(self.hint, self.order.increment_id)
        elif self.stale:
            steps = STALE_STEPS
        else:
            steps = ()
        return steps_for_order(steps, self.order.increment_id)

    def steps_to_take(self, open_errors: bool | None = None) -> list[str]:
        """The steps without those the data shows no call for (``needed_steps``), the resolve step as
        it would go (``_fitted``): the record's, the flag comment's and ``show``'s alike.
        ``open_errors`` is whether ``show``, which reads the errors of an order never imported as
        well, found any; None: the Counterpoint read's, and every step for an order not imported
        (its errors were not read)."""
        steps: Sequence[str] = self.steps
        if open_errors is None and self.cp is not None:
            open_errors = bool(self.cp.open_errors)
        if open_errors is not None:
            steps = needed_steps(steps, self.order.increment_id, self._work_left(open_errors))
        return [fitted for step in steps if (fitted := self._fitted(step)) is not None]

    def _work_left(self, open_errors: bool) -> WorkLeft:
        order, cp, cls = self.order, self.cp, self.classification
        complete = order.rule_state == "complete"
        return WorkLeft(
            open_errors=open_errors,
            counterpoint_closed=cp is not None and (cp.canceled or cp.posted),
            magento_complete=complete,
            pre_invoiced=cls.pre_invoiced,
            unpaid_invoices=order.total_invoiced > order.total_paid,
            releases_to_invoice=not (cls.pre_invoiced or complete)
            and any(sku.invoiceable(sku.released) > 0 for sku in cls.skus),
            left_to_invoice=any(sku.ordered - sku.canceled > sku.invoiced for sku in cls.skus),
            canceled_releases=not cls.pre_invoiced
            and any(sku.canceled_release(sku.released) > 0 for sku in cls.skus),
        )

    def _fitted(self, step: str) -> str | None:
        """A step as this order needs it: the resolve step left out where resolve has nothing to do,
        and pointing to the Magento admin where it would only comment again or has no status to set
        (an order not at Needs Attention needs none: resolve then only comments)."""
        if f" resolve {self.order.increment_id}" not in step:
            return step
        if self.nothing_to_resolve is not None:
            return None
        if self.resolve_kept_flagged:
            return KEPT_FLAGGED_STEP
        return step if self.resolvable or not self.flagged else admin_status_step(self.order.state)

    def age_days(self, now: datetime) -> int | None:
        """Whole days since the order was placed (never negative), None when Magento gave no date."""
        created = self.order.created_at
        if created is None:
            return None
        return max((as_utc(now) - as_utc(created)).days, 0)

    def to_json(
        self, site_name: str, *, now: datetime | None = None, open_errors: bool | None = None
    ) -> dict[str, object]:
        """The stable JSON record of this verdict (docs/scenarios.md); ``age_days`` counts to ``now``,
        by default the time of the assessment. ``open_errors``: as ``steps_to_take`` takes it, so
        ``show``, which read the errors of an order never imported too, gives the steps its table does."""
        order = self.order
        cls = self.classification
        return {
            "order": order.increment_id,
            "site": site_name,
            "magento_id": order.entity_id,
            "magento_state": order.state,
            "magento_status": order.status,
            "flagged": self.flagged,
            "stale": self.stale,
            "unclassified": self.unclassified,
            "resolved": self.resolved,
            "scenario": cls.scenario,
            "scenarios": list(cls.scenarios),
            "money_at_risk": float(cls.money_at_risk),
            "fingerprint": cls.fingerprint,
            "steps": self.steps_to_take(open_errors),
            "evidence": cls.evidence,
            "imported": cls.imported,
            "currency": order.order_currency_code or None,
            "age_days": self.age_days(now or self.now),
            "hint": self.hint,
        }


def record_text(record: Mapping[str, object]) -> str:
    """A ``Verdict.to_json`` record as compact JSON: the text ``json.dumps(record,
    separators=(",", ":"))`` gives, faster (a scan writes one per reported order).

    ``money_at_risk`` is a record's only float: outside 0.0001 to 1e16 ``json.dumps`` writes it.
    """
    money = record.get("money_at_risk")
    if type(money) is float and (money == 0 or 1e-4 <= money < 1e16):
        return compact_json(record)
    return json.dumps(record, separators=(",", ":"))


def assess(
    order: MagentoOrder,
    cp: CounterpointOrder | None,
    *,
    needs_attention_status: str,
    now: datetime,
    capture_grace_minutes: int,
    resolvable_states: Collection[str] | None = None,
) -> Verdict:
    """Classify an order; its flag state is read from its Magento status and comment history.
    ``resolvable_states``: the states the site assigns a status resolve may set (None: every state)."""
    return Verdict(  # by position: once per order of a scan
        order,  # order
        cp,  # cp
        classify(order, cp, now=now, capture_grace_minutes=capture_grace_minutes),  # classification
        norm_code(order.status) == norm_code(needs_attention_status),  # flagged
        now,  # now
        resolvable_states is None or order.state in resolvable_states,  # resolvable
    )
