"""The embedded sandbox behind ``c5attn --sandbox``: a generated world on both sides, served
through the same code paths as production (real HTTP to an in-process Magento sandbox on a free
loopback port, real SQL on a SQLite Counterpoint database)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from c5attn.config import (
    REQUIRED_SITE_KEYS,
    SITE_KEYS,
    Config,
    SiteConfig,
    env_operator,
    env_operator_origin,
)
from c5attn.errors import C5Error, UsageError

SANDBOX_SITE = "sandbox"
SANDBOX_TOKEN = "sandbox-token"
DEFAULT_ORDERS = 2000
DEFAULT_SEED = 1
MAGENTO_DB = "magento.db"
COUNTERPOINT_DB = "counterpoint.db"
ORDERS_FILE = "magento-orders.json"
WORLD_FILE = "world.json"  # moved in last: the mark of a complete world
LOCK_FILE = ".world.lock"
STAGING_PREFIX = ".world-building-"
BUILD_WAIT_SECONDS = 600.0  # for another run's build: 2,000 orders take a second, 100,000 half a minute


def sandbox_dir(state_dir: Path) -> Path:
    return state_dir / "sandbox"


def init_world(directory: Path, *, orders: int, seed: int, now: datetime) -> dict[str, object]:
    """Build a fresh world in ``directory``, replacing the one there; return its summary.

    The folder itself is never deleted, since ``--dir`` may name one that holds other files.
    """
    with _building(directory):
        return _build(directory, orders=orders, seed=seed, now=now)


def world_exists(directory: Path) -> bool:
    """Whether a complete world is there: world.json, moved in last, marks one."""
    return (directory / WORLD_FILE).exists() and (directory / MAGENTO_DB).exists()


def ensure_world(directory: Path, now: datetime) -> None:
    """Create the default world on first use; later runs keep its state (flags, resolutions)."""
    if world_exists(directory):
        return
    with _building(directory):
        if not world_exists(directory):  # else another run built it while this one waited
            _build(directory, orders=DEFAULT_ORDERS, seed=DEFAULT_SEED, now=now)


@contextmanager
def _building(directory: Path) -> Iterator[None]:
    """Hold the world's build lock: two first runs at once both built into the same files."""
    from c5attn.errors import LockHeld
    from c5attn.lock import file_lock

    if directory.exists() and not directory.is_dir():
        raise UsageError(
            f"cannot build the sandbox world in {directory}: it is a file, not a folder",
            "choose a folder: c5attn sandbox init --dir DIR",
        )
    with file_lock(
        directory / LOCK_FILE,
        wait_seconds=BUILD_WAIT_SECONDS,
        held=LockHeld(
            f"another c5attn run is still building the sandbox world in {directory}",
            "wait for it to finish, then run this command again",
        ),
        unusable_hint="choose a folder c5attn can write to (C5ATTN_HOME, or sandbox init --dir DIR)",
    ):
        yield


def _build(directory: Path, *, orders: int, seed: int, now: datetime) -> dict[str, object]:
    """Build the world in a staging folder inside ``directory`` and move it in, world.json last,
    so the world there is complete or absent: an interrupted build used to leave world.json over
    an empty Magento store, which every later run took for a world. Call under ``_building``."""
    from c5attn.sandbox.magento_store import STORE_LOGS, delete_store, load_orders, read_orders_file
    from c5attn.sandbox.world import build_world

    for leftover in directory.glob(f"{STAGING_PREFIX}*"):  # a killed build's; none is running now
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=directory))
        try:
            build_world(staging, orders=orders, seed=seed, now=now)
            load_orders(staging / MAGENTO_DB, read_orders_file(staging / ORDERS_FILE))
            summary: dict[str, object] = json.loads((staging / WORLD_FILE).read_text(encoding="utf-8"))
            (directory / WORLD_FILE).unlink(missing_ok=True)  # the old world is incomplete from here on
            delete_store(directory / MAGENTO_DB, parts=STORE_LOGS)
            for built in staging.iterdir():
                if built.name != WORLD_FILE:
                    os.replace(built, directory / built.name)
            os.replace(staging / WORLD_FILE, directory / WORLD_FILE)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, ValueError, sqlite3.Error) as exc:
        raise C5Error(
            f"could not build the sandbox world in {directory}: {exc}",
            "check that the folder is writable and has free space, or choose another --dir",
        ) from exc
    return summary


def sandbox_site(directory: Path, magento_url: str) -> SiteConfig:
    """The built-in site, with the settings the world is built for (``WorldSite``): store id 1,
    Counterpoint store WEB, web pay codes WEB and PAYPAL, Counterpoint times in New York's."""
    from c5attn.sandbox.world import WorldSite

    world = WorldSite()
    return SiteConfig(
        name=SANDBOX_SITE,
        magento_url=magento_url,
        magento_token=SANDBOX_TOKEN,
        counterpoint_dsn=f"sqlite:///{directory / COUNTERPOINT_DB}",
        magento_store_ids=world.store_ids,
        counterpoint_store=world.counterpoint_store,
        web_pay_codes=world.web_pay_codes,
        counterpoint_timezone=world.timezone,
        capture_grace_minutes=world.capture_grace_minutes,
    )


def check_world(directory: Path) -> None:
    """Refuse a world whose databases were damaged or replaced since it was built: served, it
    answered with server tracebacks and Magento's "try again later"."""
    from c5attn.sandbox.magento_store import check_store

    reset = "start the world afresh with: c5attn sandbox reset"
    damaged = f"the sandbox world in {directory} is damaged"
    try:
        check_store(directory / MAGENTO_DB)
    except PermissionError as exc:
        raise C5Error(f"the sandbox world cannot be used: {exc}", f"make it writable, or {reset}") from None
    except ValueError as exc:
        raise C5Error(f"{damaged}: {MAGENTO_DB}: {exc}", reset) from None
    counterpoint = f"{(directory / COUNTERPOINT_DB).resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(counterpoint, uri=True)) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        raise C5Error(f"{damaged}: {COUNTERPOINT_DB}: {exc}", reset) from None
    if not {"PS_DOC_HDR", "USER_C5_ORD_ERR"} <= tables:
        raise C5Error(f"{damaged}: {COUNTERPOINT_DB} lacks its tables", reset)


def sandbox_config(directory: Path, magento_url: str, env: Mapping[str, str]) -> Config:
    """The configuration ``--sandbox`` commands run with, each setting's origin recorded: the ones
    ``sandbox_site`` sets are the sandbox's, the operator comes from the environment."""
    site = sandbox_site(directory, magento_url)
    defaults = SiteConfig(name=SANDBOX_SITE, magento_url="", counterpoint_dsn="")
    origins = {"config_file": "sandbox", "operator": env_operator_origin(env)}
    origins |= {
        f"sites.{SANDBOX_SITE}.{key}": "sandbox"
        for key in SITE_KEYS
        if key in REQUIRED_SITE_KEYS or getattr(site, key) != getattr(defaults, key)
    }
    return Config(operator=env_operator(env), sites={SANDBOX_SITE: site}, source=None, origins=origins)


@contextmanager
def running_sandbox(state_dir: Path, *, env: Mapping[str, str], now: datetime) -> Iterator[Config]:
    """Serve the sandbox world for the duration of one command and yield its configuration."""
    from c5attn.sandbox.magento_server import MagentoSandbox

    directory = sandbox_dir(state_dir)
    ensure_world(directory, now)
    check_world(directory)
    with MagentoSandbox(directory / MAGENTO_DB, token=SANDBOX_TOKEN) as server:
        yield sandbox_config(directory, server.url, env)
