"""The naive scan people write first: list the orders, then one GET and one set of SQL per order.

Sequential on purpose, and built from c5attn's own parts (client, store, ``assess``) so that the
difference from ``c5attn scan`` is only the shape of the I/O, not the parsing or the rules.

Usage: python benchmarks/naive.py MAGENTO_URL COUNTERPOINT_DSN TOKEN
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from c5attn.config import SiteConfig
from c5attn.counterpoint.store import CounterpointStore
from c5attn.magento.client import MagentoClient
from c5attn.verdict import assess

LIST_FIELDS = "items[entity_id,increment_id],total_count"


def naive_scan(site: SiteConfig) -> int:
    """Classify every order of the site one at a time; returns how many have findings."""
    now = datetime.now(UTC)
    findings = 0
    with MagentoClient(site, max_workers=1) as magento, CounterpointStore(site) as counterpoint:
        listed = [order.entity_id for order in magento.iter_orders([], fields=LIST_FIELDS)]
        for entity_id in listed:
            order = magento.get_order(entity_id)
            cp = counterpoint.fetch_orders([order.increment_id]).get(order.increment_id)
            verdict = assess(
                order,
                cp,
                needs_attention_status=site.needs_attention_status,
                now=now,
                capture_grace_minutes=site.capture_grace_minutes,
            )
            findings += bool(verdict.classification.hits)
    return findings


def main(argv: list[str]) -> int:
    url, dsn, token = argv
    site = SiteConfig(
        name="naive",
        magento_url=url,
        counterpoint_dsn=dsn,
        magento_token=token,
        counterpoint_store="WEB",
        web_pay_codes=("WEB", "PAYPAL"),
    )
    print(naive_scan(site))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
