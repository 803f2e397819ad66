"""The write lock for runs on other hosts: SQL Server's ``sp_getapplock``, tested through its SQL
text and a scripted SQL Server connection (no SQL Server runs here), and its place in the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlglot
from reliability_kit import Shop, assert_clear_error, comment_total
from sqlglot import exp

from c5attn.config import SiteConfig
from c5attn.counterpoint import queries
from c5attn.counterpoint.store import CounterpointStore
from c5attn.errors import ExitCode, LockHeld
from c5attn.lock import shop_key

SQL_SERVER = "Microsoft SQL Server"


def test_the_lock_statement_is_tsql_taking_a_session_lock() -> None:
    statements = sqlglot.parse(queries.APP_LOCK, read="tsql")
    assert [type(s).__name__ for s in statements] == ["Set", "Declare", "Execute", "Select"]
    call = statements[2].sql("tsql")
    assert "sp_getapplock" in call
    arguments = ("@Resource = ?", "@LockMode = 'Exclusive'", "@LockOwner = 'Session'", "@LockTimeout = ?")
    assert all(argument in call for argument in arguments), call
    assert queries.APP_LOCK.count("?") == 2
    assert isinstance(statements[3].selects[0], exp.Alias)  # one result column: the return code


def test_the_unlock_statement_releases_the_same_session_lock() -> None:
    statement = sqlglot.parse_one(queries.APP_UNLOCK, read="tsql").sql("tsql")
    assert "sp_releaseapplock" in statement and "@Resource = ?" in statement
    assert "@LockOwner = 'Session'" in statement and queries.APP_UNLOCK.count("?") == 1


class ScriptedServer:
    """A SQL Server connection factory: records each statement, answers the lock with ``result``."""

    def __init__(self, result: int) -> None:
        self.result = result
        self.executed: list[tuple[str, list[Any]]] = []

    def __call__(self, dsn: str, **options: Any) -> ScriptedServer:
        return self

    def getinfo(self, code: int) -> str:
        return SQL_SERVER

    def cursor(self) -> ScriptedServer:
        return self

    def execute(self, sql: str, parameters: Any = ()) -> None:
        self.executed.append((sql, list(parameters)))

    def fetchall(self) -> list[tuple[int]]:
        return [(self.result,)]

    def close(self) -> None:
        """Nothing to close."""


SITE = SiteConfig(
    name="shop",
    magento_url="https://Shop.example.com/",
    counterpoint_dsn="DRIVER={ODBC Driver 18 for SQL Server};SERVER=db;UID=c5;PWD=x",
    magento_token="t",
    magento_store_ids=(2, 1),
)


@pytest.mark.parametrize("granted", [0, 1])  # 0: at once; 1: after waiting for another session
def test_a_granted_lock_is_held_during_the_block_and_released_after(granted: int) -> None:
    server = ScriptedServer(granted)
    store = CounterpointStore(SITE, connection_factory=server)
    with store.write_lock(2.5):
        assert server.executed == [(queries.APP_LOCK, [shop_key(SITE), 2500])]
    assert server.executed[1] == (queries.APP_UNLOCK, [shop_key(SITE)])


def test_the_lock_is_released_when_the_writes_fail() -> None:
    server = ScriptedServer(0)
    store = CounterpointStore(SITE, connection_factory=server)
    with pytest.raises(RuntimeError), store.write_lock():
        raise RuntimeError("a write failed")
    assert [sql for sql, _ in server.executed] == [queries.APP_LOCK, queries.APP_UNLOCK]


@pytest.mark.parametrize("refused", [-1, -2, -3, -999])
def test_a_lock_held_elsewhere_refuses_with_exit_5(refused: int) -> None:
    server = ScriptedServer(refused)
    store = CounterpointStore(SITE, connection_factory=server)
    with pytest.raises(LockHeld) as caught, store.write_lock():
        pytest.fail("the block must not run without the lock")
    assert caught.value.exit_code == ExitCode.LOCKED
    assert "another c5attn run is writing to site 'shop'" in caught.value.message
    assert "another computer" in (caught.value.hint or "")
    assert [sql for sql, _ in server.executed] == [queries.APP_LOCK]  # nothing to release


def test_every_host_names_the_same_shop_the_same_way() -> None:
    same = SiteConfig(name="web", magento_url="https://shop.example.com", counterpoint_dsn="x",
                      magento_token="t", magento_store_ids=(1, 2))
    other = SiteConfig(name="shop", magento_url="https://shop.example.com", counterpoint_dsn="x",
                       magento_token="t", magento_store_ids=(3,))
    assert shop_key(SITE) == shop_key(same) != shop_key(other)
    assert len(shop_key(SITE)) <= 255  # sp_getapplock's limit


def test_sqlite_is_locked_beside_its_file_not_in_the_database(shop: Shop) -> None:
    """One file on one host: a lock file beside it keeps out runs of another C5ATTN_HOME, which
    do not share the home's lock; no statement, no write to the database."""
    site = SiteConfig(name="shop", magento_url="http://x", magento_token="t",
                      counterpoint_dsn=f"sqlite:///{shop.counterpoint_db}")
    other_home = SiteConfig(name="copy", magento_url="http://y", magento_token="t",
                            counterpoint_dsn=f"sqlite:///{shop.counterpoint_db}")
    with CounterpointStore(site) as store, CounterpointStore(other_home) as other:
        with store.write_lock(), pytest.raises(LockHeld, match="holds the lock beside it"), \
                other.write_lock(wait_seconds=0.2):
            pass
        with other.write_lock(wait_seconds=0.2):  # released with the first
            pass
        assert store.statement_count == 0 and other.statement_count == 0


def test_apply_refuses_when_another_host_holds_the_database_lock(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI takes the database lock (after the file lock) before any write."""

    @contextmanager
    def held_elsewhere(self: CounterpointStore, wait_seconds: float = 5.0) -> Iterator[None]:
        raise LockHeld(f"another c5attn run is writing to site {self._site.name!r} (the database lock "
                       f"{shop_key(self._site)} is held, timed out)", "wait for it to finish")
        yield

    taken: list[str] = []
    real: Callable[..., Any] = CounterpointStore.write_lock
    monkeypatch.setattr(CounterpointStore, "write_lock", held_elsewhere)
    comments = comment_total(shop.magento_db)
    run = shop.run("scan", "--all", "--apply", "--yes")
    assert_clear_error(run, 5, "another c5attn run is writing to site 'shop'", "the database lock c5attn:")
    assert comment_total(shop.magento_db) == comments
    assert shop.server.requests_to("POST", "/comments") == 0

    def counting(self: CounterpointStore, wait_seconds: float = 5.0) -> Any:
        taken.append(self._site.name)
        return real(self, wait_seconds)

    monkeypatch.setattr(CounterpointStore, "write_lock", counting)
    assert shop.run("scan", "--all", "--apply", "--yes").exit_code == 0
    assert taken  # the real lock (a no-op on SQLite) was asked for before writing
    assert comment_total(shop.magento_db) > comments
