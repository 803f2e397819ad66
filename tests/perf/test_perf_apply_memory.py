"""``scan --apply`` keeps what flagging reads of each order, not its verdict: a verdict holds ~15 KB
(the order's lines, its Counterpoint side, its evidence), and keeping one for each of 9,838 findings
to flag took ``scan --apply --all --json`` to 225 MB, where ``scan --all --json`` takes 79 MB."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from types import ModuleType

import pytest

from c5attn.audit import AuditLog
from c5attn.config import SiteConfig
from c5attn.counterpoint.store import CounterpointStore
from c5attn.magento.client import MagentoClient
from c5attn.markers import flag_comment
from c5attn.models import Classification, CounterpointOrder, MagentoOrder
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.verdict import Verdict
from c5attn.workflow import RecordSpool, SiteSession, assess_order, flag_findings, scan_site

TOKEN = "apply-token"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteSession]:
    world = tmp_path_factory.mktemp("apply") / "world"
    init_world(world, orders=300, seed=9, now=datetime.now(UTC))
    with MagentoSandbox(world / "magento.db", token=TOKEN) as server:
        site = SiteConfig(
            name="apply",
            magento_url=server.url,
            magento_token=TOKEN,
            counterpoint_dsn=f"sqlite:///{world / 'counterpoint.db'}",
            web_pay_codes=["WEB", "PAYPAL"],
        )
        with MagentoClient(site) as magento, CounterpointStore(site) as counterpoint:
            audit = AuditLog(world.parent / "state")
            yield SiteSession(site, magento, counterpoint, "ana", audit, datetime.now(UTC))


def _reachable(roots: Iterable[object]) -> Iterator[object]:
    """Every object the roots hold, directly or not (the spool's file and classes aside)."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, ModuleType, RecordSpool)):
            continue
        seen.add(id(obj))
        yield obj
        stack.extend(gc.get_referents(obj))


def test_an_apply_scan_keeps_no_verdict_and_about_a_kilobyte_an_order(session: SiteSession) -> None:
    result = scan_site(session, since=None, for_apply=True)
    targets = result.flag_targets
    assert result.to_flag and any(target.flagged for target in targets)
    whole = (Verdict, MagentoOrder, CounterpointOrder, Classification)
    assert [type(obj).__name__ for obj in _reachable(result.reported) if isinstance(obj, whole)] == []
    kept = sum(sys.getsizeof(obj) for obj in _reachable(targets))
    assert kept / len(targets) < 2500, kept / len(targets)  # a verdict: ~15,000


def test_each_kept_order_holds_what_its_verdict_gives_and_its_flag_writes_that_comment(
    session: SiteSession,
) -> None:
    """As flagging read them from the verdict; the comment, made at the scan, is the one written."""
    result = scan_site(session, since=None, for_apply=True)
    kept = {target.increment_id: target for target in result.flag_targets}
    listed = [(item.record["order"], item.record["magento_id"]) for item in result.reported]
    verdicts = {number: assess_order(session, session.magento.get_order(id_))[0] for number, id_ in listed}
    wanted = {number for number, verdict in verdicts.items() if verdict.flagged or verdict.needs_flag}
    assert set(kept) == wanted
    for number, target in kept.items():
        verdict, order, finding = verdicts[number], verdicts[number].order, verdicts[number].classification
        assert (target.entity_id, target.state, target.status) == (order.entity_id, order.state, order.status)
        assert target.comments == len(order.status_histories)
        assert (target.flagged, target.needs_flag) == (verdict.flagged, verdict.needs_flag)
        assert (target.scenarios, target.fingerprint) == (finding.scenarios, finding.fingerprint)
        assert target.fingerprints == finding.fingerprints
        if verdict.needs_flag:
            assert target.comment == flag_comment(finding, verdict.steps_to_take(), "ana")
    first = result.to_flag[0]
    [outcome] = flag_findings(session, [first])
    assert outcome.ok and not outcome.skipped
    comments = [entry.comment for entry in session.magento.get_comments(first.entity_id)]
    assert comments.count(first.comment) == 1
