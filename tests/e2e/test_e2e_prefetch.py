"""``scan`` and ``list`` request their first Magento page while c5attn is still loading; the
search then starts from that page instead of asking for it again."""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from e2e_sandbox import Sandbox

PAGE_SIZE = 300  # the embedded sandbox site's magento_page_size


def searched_pages(stderr: str) -> list[int]:
    """The ``currentPage`` of every order search that ``--verbose`` traced, in order."""
    pages = []
    for url in re.findall(r"GET (\S+/V1/orders\?\S+)", stderr):
        query = parse_qs(urlsplit(url).query)
        pages.append(int(query["searchCriteria[currentPage]"][0]))
    return pages


@pytest.mark.parametrize("command", [("scan", "--all", "--json"), ("list", "--json")])
def test_each_page_is_asked_for_once(sandbox: Sandbox, command: tuple[str, ...]) -> None:
    run = sandbox.invoke("-v", *command)
    assert run.exit_code in (0, 6), run.stderr
    pages = searched_pages(run.stderr)
    assert pages.count(1) == 1, pages
    assert sorted(pages) == list(range(1, len(pages) + 1))
    if command[0] == "scan":
        scanned = int(re.search(r"([\d,]+) orders? scanned", run.stderr).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert len(pages) == math.ceil(scanned / PAGE_SIZE)
