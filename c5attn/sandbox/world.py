"""The sandbox world generator: a consistent, seeded world on both sides of Commerce5.

:func:`build_world` writes into one directory:

- ``counterpoint.db``: a SQLite Counterpoint database (``cp_schema.sql``) with the order documents,
  release and deposit tickets (open and posted), payments, audit logs and Commerce5 order errors;
- ``magento-orders.json``: a JSON array of Magento orders shaped as ``GET /V1/orders`` returns them;
- ``labels.json``: per ``increment_id`` the scenario codes the generator *built* the order to show
  (``scenarios``), its recipe (``kind``) and whether it is at the Needs Attention status (``flagged``);
- ``world.json``: the summary (seed, size, moment, counts, site settings).

Every timestamp is relative to ``now``; the same ``seed`` and ``now`` give byte-identical files.
The recipes (``world_recipes``) and the order model (``world_orders``) are documented in
docs/sandbox.md.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from c5attn.errors import C5Error, UsageError
from c5attn.sandbox.world_orders import SCENARIO_CODES, TABLE_COLUMNS, Emitter, OrderBuilder, WorldContext
from c5attn.sandbox.world_recipes import (
    RECIPES,
    Recipe,
    choose_method,
    created_at,
    events_limit,
    make_customer,
    make_products,
)

COUNTERPOINT_DB = "counterpoint.db"
MAGENTO_ORDERS = "magento-orders.json"
LABELS = "labels.json"
WORLD = "world.json"
NO_EXPIRY = timedelta(days=3650)  # labels_valid_until of a world without in-grace releases
FLUSH_EVERY = 5000  # orders between executemany batches (bounds memory at 100,000 orders)


@dataclass(frozen=True)
class WorldSite:
    """The Magento site and Counterpoint store the world is built for (the sandbox site's settings)."""

    store_ids: tuple[int, ...] = (1,)
    counterpoint_store: str = "WEB"
    web_pay_codes: tuple[str, ...] = ("WEB", "PAYPAL")
    timezone: str = "America/New_York"
    capture_grace_minutes: int = 60
    needs_attention: str = "needs_attention"


@dataclass(frozen=True)
class WorldSummary:
    """What was built: also written (without ``directory`` and ``seconds``) as ``world.json``."""

    directory: Path
    seed: int
    orders: int
    created_at: datetime
    labels_valid_until: datetime  # the first in-grace release ages out then, and becomes a finding
    site: WorldSite
    recipes: dict[str, int] = field(default_factory=dict)
    scenarios: dict[str, int] = field(default_factory=dict)
    flagged: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "orders": self.orders,
            "created_at": self.created_at.isoformat(),
            "labels_valid_until": self.labels_valid_until.isoformat(),
            "site": asdict(self.site),
            "recipes": self.recipes,
            "scenarios": self.scenarios,
            "flagged": self.flagged,
            "files": {"counterpoint": COUNTERPOINT_DB, "magento_orders": MAGENTO_ORDERS, "labels": LABELS},
        }


def build_world(
    directory: Path,
    *,
    orders: int = 2000,
    seed: int = 1,
    now: datetime | None = None,
    site: WorldSite = WorldSite(),
) -> WorldSummary:
    """Write a world of ``orders`` Magento orders (and their Counterpoint side) into ``directory``.

    ``now`` (default: the current time; naive = UTC) anchors every timestamp. Files already in
    ``directory`` are replaced only once the new ones are complete.
    """
    if orders < 0:
        raise UsageError(
            f"A world needs a number of orders of 0 or more, not {orders}.",
            hint="Pass --orders with a positive number.",
        )
    started = time.perf_counter()
    moment = _utc(now or datetime.now(UTC))
    naive_now = moment.replace(tzinfo=None)
    rng = random.Random(seed)
    ctx = WorldContext(
        rng,
        naive_now,
        site_store=site.counterpoint_store,
        web_pay_codes=site.web_pay_codes,
        timezone=site.timezone,
        grace_minutes=site.capture_grace_minutes,
        needs_attention=site.needs_attention,
    )
    plan = _placements(rng, allocate(orders), naive_now)
    db_tmp, orders_tmp = directory / f"{COUNTERPOINT_DB}.tmp", directory / f"{MAGENTO_ORDERS}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _removed_on_failure(db_tmp, orders_tmp):
            db_tmp.unlink(missing_ok=True)
            with _Database(db_tmp) as database, orders_tmp.open("w", encoding="utf-8") as orders_file:
                labels, valid_until = _generate(ctx, plan, site, database, _JsonArrayWriter(orders_file))
            recipes = Counter(label["kind"] for label in labels.values())
            scenarios = Counter(code for label in labels.values() for code in label["scenarios"])
            summary = WorldSummary(
                directory=directory,
                seed=seed,
                orders=orders,
                created_at=moment,
                labels_valid_until=valid_until,
                site=site,
                recipes=dict(sorted(recipes.items())),
                scenarios={code: scenarios[code] for code in SCENARIO_CODES},
                flagged=sum(1 for label in labels.values() if label["flagged"]),
            )
            os.replace(db_tmp, directory / COUNTERPOINT_DB)
            os.replace(orders_tmp, directory / MAGENTO_ORDERS)
        _write_json(directory / LABELS, labels)
        _write_json(directory / WORLD, summary.to_json())
    except (OSError, sqlite3.Error) as exc:
        raise C5Error(
            f"Could not build the sandbox world in {directory}: {exc}",
            hint="Check that the folder is writable and has free space, or choose another --dir.",
        ) from exc
    return replace(summary, seconds=round(time.perf_counter() - started, 2))


def _generate(
    ctx: WorldContext,
    plan: list[tuple[datetime, Recipe]],
    site: WorldSite,
    database: _Database,
    writer: _JsonArrayWriter,
) -> tuple[dict[str, dict[str, Any]], datetime]:
    """Build every order, write both sides, and return the labels and when they stop holding."""
    emitter = Emitter(ctx)
    labels: dict[str, dict[str, Any]] = {}
    valid_until = ctx.now.replace(tzinfo=UTC) + NO_EXPIRY
    serials = Counter[int]()
    for entity_id, (placed, recipe) in enumerate(plan, 1):
        builder = _new_builder(ctx, recipe, site, entity_id, placed, serials)
        codes = recipe.build(builder)
        if codes and ctx.rng.random() < recipe.flag_share:
            builder.flag(codes[0])
        emitter.counterpoint(builder)
        writer.write(emitter.magento(builder))
        flagged = builder.status == site.needs_attention
        labels[builder.increment_id] = {"scenarios": list(codes), "kind": recipe.name, "flagged": flagged}
        valid_until = min(valid_until, _first_aging(builder, site.capture_grace_minutes))
        if entity_id % FLUSH_EVERY == 0:
            database.insert(emitter.rows)
    database.insert(emitter.rows)
    writer.finish()
    return labels, valid_until


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC to the second; a naive datetime is read as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def allocate(orders: int) -> list[Recipe]:
    """How many orders each recipe gets: proportional to its weight, at least one each when the world
    is big enough to hold every recipe (largest remainders settle the rest)."""
    total_weight = sum(recipe.weight for recipe in RECIPES)
    exact = [orders * recipe.weight / total_weight for recipe in RECIPES]
    floor = 1 if orders >= len(RECIPES) else 0
    counts = [max(floor, math.floor(share)) for share in exact]
    surplus = orders - sum(counts)
    by_remainder = sorted(range(len(RECIPES)), key=lambda i: (exact[i] - counts[i], -i), reverse=True)
    for index in by_remainder[: max(surplus, 0)]:
        counts[index] += 1
    for _ in range(-surplus):  # the minimum of one each overshot: trim the biggest shares
        counts[max(range(len(RECIPES)), key=lambda i: (counts[i], -i))] -= 1
    return [recipe for recipe, count in zip(RECIPES, counts, strict=True) for _ in range(count)]


def _placements(rng: random.Random, recipes: list[Recipe], now: datetime) -> list[tuple[datetime, Recipe]]:
    """Shuffle the recipes and place each order in time; entity ids then follow placing order."""
    rng.shuffle(recipes)
    placed = [(created_at(rng, recipe.age, now), index, recipe) for index, recipe in enumerate(recipes)]
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    return [(moment, recipe) for moment, _, recipe in placed]


def _new_builder(
    ctx: WorldContext,
    recipe: Recipe,
    site: WorldSite,
    entity_id: int,
    placed: datetime,
    serials: Counter[int],
) -> OrderBuilder:
    """A fresh order of ``recipe``: its number in its store's series, products, customer and payment."""
    store_id = site.store_ids[0] if recipe.store_id == 1 else max(site.store_ids) + 1
    serials[store_id] += 1
    increment_id = (
        f"{10000 + serials[store_id]:09d}"
        if store_id == site.store_ids[0]
        else f"{store_id}{serials[store_id]:08d}"
    )
    method, shipping = choose_method(ctx.rng)
    return OrderBuilder(
        ctx,
        entity_id=entity_id,
        increment_id=increment_id,
        store_id=store_id,
        created_at=placed,
        limit=events_limit(recipe.age, ctx.now, placed),
        products=make_products(ctx.rng, recipe.min_units, recipe.min_pieces),
        customer=make_customer(ctx.rng, entity_id),
        method=method,
        shipping=shipping,
    )


def _first_aging(builder: OrderBuilder, grace_minutes: int) -> datetime:
    """When this order's youngest uninvoiced release leaves the grace period (far future if none)."""
    grace = timedelta(minutes=grace_minutes)
    recent = [
        ticket.at
        for ticket in (builder.cp.tickets if builder.cp else ())
        if ticket.release and ticket.at + grace > builder.ctx.now
    ]
    if not recent:
        return builder.ctx.now.replace(tzinfo=UTC) + NO_EXPIRY
    return (min(recent) + grace).replace(tzinfo=UTC)


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with _removed_on_failure(tmp):
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
        os.replace(tmp, path)


@contextmanager
def _removed_on_failure(*paths: Path) -> Iterator[None]:
    """Delete ``paths`` when the block fails or is interrupted: a Ctrl-C while building 100,000
    orders left 33 MB of ``.tmp`` files behind."""
    try:
        yield
    except BaseException:
        for path in paths:
            with suppress(OSError):
                path.unlink(missing_ok=True)
        raise


class _JsonArrayWriter:
    """Streams a JSON array one compact element per line, never holding the whole text."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.count = 0
        self.encode = json.JSONEncoder(separators=(",", ":")).encode
        handle.write("[")

    def write(self, element: Any) -> None:
        self.handle.write(",\n" if self.count else "\n")
        self.handle.write(self.encode(element))
        self.count += 1

    def finish(self) -> None:
        self.handle.write("\n]\n")


_INDEX = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\b", re.IGNORECASE)


class _Database:
    """The Counterpoint SQLite file, built fast: one transaction, no journal, indexes created last."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=OFF")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.tables, self.indexes = _schema_statements()
        for statement in self.tables:
            self.connection.execute(statement)
        self.connection.execute("BEGIN")

    def insert(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        """Insert and clear every table's pending rows."""
        for table, batch in rows.items():
            if batch:
                names = TABLE_COLUMNS[table]
                self.connection.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", batch
                )
                batch.clear()

    def __enter__(self) -> _Database:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            for statement in self.indexes:
                self.connection.execute(statement)
            self.connection.execute("COMMIT")
        self.connection.close()


def _schema_statements() -> tuple[list[str], list[str]]:
    """The sandbox DDL split into its table statements and its (deferred) index statements."""
    script = resources.files("c5attn.sandbox").joinpath("cp_schema.sql").read_text(encoding="utf-8")
    tables: list[str] = []
    indexes: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            code = "\n".join(part.split("--", 1)[0] for part in pending.splitlines()).strip()
            if code:
                (indexes if _INDEX.match(code) else tables).append(pending)
            pending = ""
    return tables, indexes
