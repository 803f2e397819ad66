"""Reliability fixtures: seeded worlds built once per session, and a shop served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import SMALL_ORDERS, TOKEN, Shop, World, make_world

from c5attn.sandbox.magento_server import MagentoSandbox


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int], World]:
    """``worlds(orders, seed)``: a world of that size, built once per session."""
    built: dict[tuple[int, int], World] = {}

    def get(orders: int, seed: int = 11) -> World:
        if (orders, seed) not in built:
            directory = tmp_path_factory.mktemp(f"world-{orders}-{seed}")
            built[(orders, seed)] = make_world(directory, orders, seed)
        return built[(orders, seed)]

    return get


@pytest.fixture(scope="session")
def small_world(worlds: Callable[[int, int], World]) -> World:
    return worlds(SMALL_ORDERS, 11)


@pytest.fixture
def open_shop(tmp_path: Path) -> Iterator[Callable[..., Shop]]:
    """``open_shop(world, server_class, **sandbox_kwargs)``: a fresh shop; servers stopped after."""
    servers: list[MagentoSandbox] = []

    def make(
        world: World, server_class: type[MagentoSandbox] = MagentoSandbox, **sandbox_kwargs: Any
    ) -> Shop:
        root = tmp_path / f"shop{len(servers)}"
        magento_db, counterpoint_db = world.copy_to(root / "stores")
        sandbox_kwargs.setdefault("token", TOKEN)
        server = server_class(magento_db, **sandbox_kwargs)
        server.start()
        servers.append(server)
        return Shop(root, magento_db, counterpoint_db, server)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def shop(open_shop: Callable[..., Shop], small_world: World) -> Shop:
    """A clean shop over the small world, without faults."""
    return open_shop(small_world)
