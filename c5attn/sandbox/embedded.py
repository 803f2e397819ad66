"""The embedded sandbox behind ``c5attn --sandbox``: a generated world on both sides, served
through the same code paths as production (real HTTP to an in-process Magento sandbox on a free
loopback port, real SQL on a SQLite Counterpoint database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from c5attn.config import Config, SiteConfig
from c5attn.errors import UsageError

SANDBOX_SITE = "sandbox"
SANDBOX_TOKEN = "sandbox-token"
DEFAULT_ORDERS = 2000
DEFAULT_SEED = 1
MAGENTO_DB = "magento.db"
COUNTERPOINT_DB = "counterpoint.db"
ORDERS_FILE = "magento-orders.json"
WORLD_FILE = "world.json"


def sandbox_dir(state_dir: Path) -> Path:
    return state_dir / "sandbox"


def init_world(directory: Path, *, orders: int, seed: int, now: datetime) -> dict[str, object]:
    """Build a fresh world in ``directory`` and load Magento's store.

    A world already there is replaced file by file (both builders replace their own files); the
    folder itself is never deleted, since ``--dir`` may name one that holds other files.
    """
    from c5attn.sandbox.magento_store import load_orders, read_orders_file
    from c5attn.sandbox.world import build_world

    if directory.exists() and not directory.is_dir():
        raise UsageError(
            f"cannot build the sandbox world in {directory}: it is a file, not a folder",
            "choose a folder: c5attn sandbox init --dir DIR",
        )
    build_world(directory, orders=orders, seed=seed, now=now)
    load_orders(directory / MAGENTO_DB, read_orders_file(directory / ORDERS_FILE))
    summary: dict[str, object] = json.loads((directory / WORLD_FILE).read_text(encoding="utf-8"))
    return summary


def world_exists(directory: Path) -> bool:
    return (directory / WORLD_FILE).exists() and (directory / MAGENTO_DB).exists()


def ensure_world(directory: Path, now: datetime) -> None:
    """Create the default world on first use; later runs keep its state (flags, resolutions)."""
    if not world_exists(directory):
        init_world(directory, orders=DEFAULT_ORDERS, seed=DEFAULT_SEED, now=now)


def sandbox_site(directory: Path, magento_url: str) -> SiteConfig:
    """The built-in site: store id 1, Counterpoint store WEB, web pay codes WEB and PAYPAL."""
    return SiteConfig(
        name=SANDBOX_SITE,
        magento_url=magento_url,
        magento_token=SANDBOX_TOKEN,
        counterpoint_dsn=f"sqlite:///{directory / COUNTERPOINT_DB}",
        magento_store_ids=(1,),
        counterpoint_store="WEB",
        web_pay_codes=("WEB", "PAYPAL"),
    )


@contextmanager
def running_sandbox(state_dir: Path, *, operator: str, now: datetime) -> Iterator[Config]:
    """Serve the sandbox world for the duration of one command and yield its configuration."""
    from c5attn.sandbox.magento_server import MagentoSandbox

    directory = sandbox_dir(state_dir)
    ensure_world(directory, now)
    with MagentoSandbox(directory / MAGENTO_DB, token=SANDBOX_TOKEN) as server:
        yield Config(
            operator=operator, sites={SANDBOX_SITE: sandbox_site(directory, server.url)}, source=None
        )
