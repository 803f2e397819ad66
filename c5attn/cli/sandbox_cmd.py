"""``c5attn sandbox serve``: run the Magento sandbox server on its own, for tests and demos."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Annotated

import typer

from c5attn.errors import C5Error, UsageError

sandbox_app = typer.Typer(
    help="The built-in sandbox: build its world, or serve its Magento API.", no_args_is_help=True
)


def _state_map(path: Path | None) -> dict[str, list[str]] | None:
    """A JSON object {state: [statuses…]}; the first status of a state is its default."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot read the state map {path}: {exc}", "give a JSON object {state: [status, …]}"
        ) from exc
    if not isinstance(data, dict) or not all(
        isinstance(statuses, list) and all(isinstance(s, str) for s in statuses) for statuses in data.values()
    ):
        raise UsageError(f"the state map {path} is not {{state: [status, …]}}", "see docs/magento-sandbox.md")
    return data


@sandbox_app.command("serve")
def serve(
    orders_file: Annotated[
        Path | None,
        typer.Option(
            "--orders-file",
            metavar="FILE",
            help="Load these orders first: a JSON array of /V1/orders order objects, or JSON lines.",
        ),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help="The sandbox's SQLite store (default: magento-sandbox.db in c5attn's data directory).",
        ),
    ] = None,
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on; 0 picks a free one.")] = 0,
    token: Annotated[
        str,
        typer.Option(metavar="TOKEN", help="The bearer token the sandbox accepts (test data, not a secret)."),
    ] = ("sandbox-token"),
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", metavar="MS", help="Delay added to every request, 0 to 60000 ms.")
    ] = 0,
    faults: Annotated[
        str | None,
        typer.Option(
            metavar="SPEC",
            help="Injected faults, KIND:RATE pairs, e.g. 503:0.1,429:0.05,drop:0.02,slow:0.02,badjson:0.01.",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="N", help="Seed for the fault generator (reproducible runs).")
    ] = None,
    max_page_size: Annotated[
        int | None,
        typer.Option(
            "--max-page-size",
            metavar="N",
            help="Enforce Magento's input limit: larger pageSize → 400; none → 20.",
        ),
    ] = None,
    magento_version: Annotated[
        str,
        typer.Option(
            "--magento-version",
            metavar="VERSION",
            help="Comment/status rule: 2.4.6 any status, 2.4.7 ignored, 2.4.8 only the state's statuses.",
        ),
    ] = "2.4.8",
    state_map: Annotated[
        Path | None,
        typer.Option(
            "--state-map",
            metavar="FILE",
            help=r"JSON {state: \[statuses]} replacing the default map.",  # \[: not Rich markup
        ),
    ] = None,
    store_codes: Annotated[
        list[str] | None,
        typer.Option(
            "--store-code",
            metavar="CODE",
            help="The store codes /rest/CODE/V1 answers (repeat for several; default: default). "
            "Others get Magento's 404, as on a real store; all and none always work.",
        ),
    ] = None,
) -> None:
    """Serve Magento's order REST API on a local port until SIGTERM or Ctrl-C.

    The first line on stdout is "listening on http://HOST:PORT", printed once connections are
    accepted. Every write is committed before it is answered, so stopping loses nothing.
    """
    import os
    import signal
    import sqlite3
    import threading

    from c5attn.config import state_dir
    from c5attn.sandbox.magento_server import MagentoSandbox, check_latency, parse_faults
    from c5attn.sandbox.magento_store import VERSIONS, check_store, load_orders, read_orders_file

    if magento_version not in VERSIONS:
        raise UsageError(
            f"--magento-version must be one of {', '.join(VERSIONS)}", f"not {magento_version!r}"
        )
    try:
        parse_faults(faults)
    except ValueError as exc:
        raise UsageError(f"--faults: {exc}", "write KIND:RATE pairs, e.g. 503:0.1,drop:0.02") from exc
    from c5attn.config import STORE_CODE

    if bad := [code for code in store_codes or () if not STORE_CODE.fullmatch(code)]:
        raise UsageError(
            f"--store-code {bad[0]!r} is not a Magento store code", "a letter, then letters, digits or _"
        )
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, not {port}", "0 picks a free port")
    if not token.strip():  # "Authorization: Bearer" with nothing after it would pass
        raise UsageError("--token is empty", "give the token clients must send, e.g. --token sandbox-token")
    if max_page_size is not None and max_page_size < 1:
        raise UsageError(f"--max-page-size must be at least 1, not {max_page_size}", "Magento's is 300")
    try:
        check_latency(latency_ms)
    except ValueError as exc:
        raise UsageError(f"--latency-ms: {exc}", "give milliseconds, e.g. --latency-ms 50") from exc
    statuses_by_state = _state_map(state_map)  # read before --orders-file replaces the store
    store = db or state_dir(os.environ) / "magento-sandbox.db"
    if store.exists() and (orders_file is None or store.stat().st_size > 0):  # an empty file holds nothing
        try:
            check_store(store)
        except ValueError as exc:
            raise UsageError(
                f"--db {store} is not a Magento sandbox store: {exc}",
                "give --db a store made by c5attn sandbox serve --orders-file, or a new path",
            ) from exc
        except PermissionError as exc:
            raise C5Error(str(exc), "make it writable, or copy it to a folder that is") from exc
    if orders_file is not None:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            count = load_orders(store, read_orders_file(orders_file), keep_for_none=True)
        except (OSError, ValueError, sqlite3.Error) as exc:
            raise UsageError(
                f"cannot load orders from {orders_file}: {exc}", "give a JSON array of Magento order objects"
            ) from exc
        typer.echo(f"loaded {count} orders into {store}", err=True)
    elif not store.exists():
        raise UsageError(f"no sandbox store at {store}", "pass --orders-file FILE to create it")
    server = MagentoSandbox(
        store,
        host=host,
        port=port,
        token=token,
        latency_ms=latency_ms,
        faults=faults,
        seed=seed,
        max_page_size=max_page_size,
        magento_version=magento_version,
        state_map=statuses_by_state,
        store_codes=store_codes or ("default",),
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        url = server.start()
    except OSError as exc:
        in_use = exc.errno in (errno.EADDRINUSE, errno.EACCES)  # taken, or below 1024 without the right
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            "pick another --port" if in_use else "give --host an address of this machine, e.g. 127.0.0.1",
        ) from exc
    typer.echo(f"listening on {url}")
    while not stopping.wait(0.2):
        pass
    server.stop()
    typer.echo("sandbox stopped; state saved in " + str(store), err=True)
