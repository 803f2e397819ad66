"""Between a scan and its flags (the operator reading the plan), someone else settles an order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from c5attn.audit import AuditLog
from c5attn.config import SiteConfig
from c5attn.counterpoint.store import CounterpointStore
from c5attn.magento.client import MagentoClient
from c5attn.markers import resolve_comment
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.workflow import SiteSession, flag_findings, scan_site

TOKEN = "race-token"


def test_an_order_resolved_after_the_scan_is_not_flagged(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    init_world(tmp_path / "world", orders=300, seed=9, now=now)
    with MagentoSandbox(tmp_path / "world" / "magento.db", token=TOKEN) as server:
        site = SiteConfig(
            name="race",
            magento_url=server.url,
            magento_token=TOKEN,
            counterpoint_dsn=f"sqlite:///{tmp_path / 'world' / 'counterpoint.db'}",
            web_pay_codes=["WEB", "PAYPAL"],
        )
        with MagentoClient(site) as magento, CounterpointStore(site) as counterpoint:
            session = SiteSession(site, magento, counterpoint, "op", AuditLog(tmp_path / "state"), now)
            settled, untouched = scan_site(session, since=None, keep_verdicts=True).to_flag[:2]
            fingerprint = settled.classification.fingerprint
            magento.add_comment(settled.order.entity_id, resolve_comment(fingerprint, "colleague", "done"))
            outcomes = flag_findings(session, [settled, untouched])
            assert outcomes[0].skipped and "already resolved" in outcomes[0].message
            assert magento.get_order(settled.order.entity_id).status == settled.order.status
            assert outcomes[1].ok and not outcomes[1].skipped
            assert magento.get_order(untouched.order.entity_id).status == site.needs_attention_status
