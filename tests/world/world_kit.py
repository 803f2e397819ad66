"""What the world tests share: the scan's fixed clock and the built world they read."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from world_facts import WorldReader

from c5attn.sandbox.world import WorldSite, WorldSummary

# The day US clocks spring forward: local ticket times around it must still convert right.
NOW = datetime(2026, 3, 8, 12, 0, 0, tzinfo=UTC)


@dataclass
class World:
    directory: Path
    summary: WorldSummary
    site: WorldSite
    orders: list[dict[str, Any]]
    labels: dict[str, dict[str, Any]]
    db: sqlite3.Connection
    reader: WorldReader

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [order for order in self.orders if self.labels[order["increment_id"]]["kind"] == kind]
