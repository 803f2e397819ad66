"""dismiss_errors: one transaction, only the order's open rows of this store, rolled back on any error."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlserver_like import SqlServerLike

from c5attn.counterpoint import queries
from c5attn.counterpoint.connection import connect
from c5attn.counterpoint.store import CounterpointStore
from c5attn.errors import CounterpointError, CounterpointSchemaError

NOW = datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _errors(cp_db):
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="100", IS_DISMISSED=None, EMAIL_CNT=3)
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=2, ORD_NO="100", IS_DISMISSED="N")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=3, ORD_NO="100", IS_DISMISSED="y", DISMISSED_BY="earlier")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=4, ORD_NO="100", STR_ID="MAIN")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=5, ORD_NO="1000")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=6, ORD_NO="200")


def _state(cp_db):
    return {
        row[0]: row[1:]
        for row in cp_db.execute(
            "SELECT ERR_ID, IS_DISMISSED, DISMISSED_BY, DISMISSED_DT FROM USER_C5_ORD_ERR"
        )
    }


def test_cp_dismiss_touches_only_the_orders_open_rows(cp_db, make_store):
    _errors(cp_db)
    before = cp_db.errors()
    store = make_store(counterpoint_timezone="America/Chicago")
    store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    after = {row[0]: row for row in cp_db.errors()}
    assert _state(cp_db)[1] == ("Y", "jane", "2024-06-01 07:00:00")  # the site's local time, whole seconds
    assert _state(cp_db)[2] == ("Y", "jane", "2024-06-01 07:00:00")
    untouched = [row for row in before if row[0] not in (1, 2)]
    assert [after[row[0]] for row in untouched] == untouched
    assert after[1][-1] == 3  # EMAIL_CNT kept
    assert store.open_errors("100") == []


def test_cp_dismiss_matches_store_and_flag_as_the_open_errors_read_does(cp_db, make_store):
    """A store code configured ``web`` or `` web `` finds rows of ``WEB``; a flag stored ``' y '``
    is dismissed already: the dismiss touches exactly the rows ``open_errors`` shows."""
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="100", STR_ID="WEB ", IS_DISMISSED="N")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=2, ORD_NO="100", STR_ID=" web", IS_DISMISSED=None)
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=3, ORD_NO="100", IS_DISMISSED=" y ", DISMISSED_BY="bob")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=4, ORD_NO="100", STR_ID="WEB2")
    store = make_store(counterpoint_store=" web ")
    assert [error.err_id for error in store.open_errors("100")] == [1, 2]
    store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    state = _state(cp_db)
    assert state[1][:2] == ("Y", "jane") and state[2][:2] == ("Y", "jane")
    assert state[3] == (" y ", "bob", None)  # who dismissed it before is kept
    assert state[4] == ("N", None, None)
    assert store.open_errors("100") == []


def test_cp_dismiss_with_no_open_errors_changes_nothing(cp_db, make_store):
    _errors(cp_db)
    store = make_store()
    store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    before = cp_db.errors()
    store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    store.dismiss_errors("no-such-order", "jane", NOW, err_ids=range(1, 100))
    assert cp_db.errors() == before


def test_cp_dismiss_rolls_back_when_a_trigger_fails_mid_statement(cp_db, make_store):
    """RAISE(FAIL) keeps the rows updated before the failing one: only a rollback undoes them."""
    _errors(cp_db)
    cp_db.execute(
        "CREATE TRIGGER refuse AFTER UPDATE ON USER_C5_ORD_ERR WHEN NEW.ERR_ID = 2 "
        "BEGIN SELECT RAISE(FAIL, 'refused by trigger'); END"
    )
    store = make_store()
    with pytest.raises(CounterpointError, match="refused by trigger"):
        store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    # The same connection commits its next transaction: row 1 would be committed with it had the
    # failed one not been rolled back.
    store.dismiss_errors("200", "jane", NOW, err_ids=range(1, 100))
    state = _state(cp_db)
    assert (state[1], state[2]) == ((None, None, None), ("N", None, None))
    assert state[6][0] == "Y"


class _CommitFails:
    """A connection whose commit fails, recording the rollback."""

    def __init__(self, inner):
        self.inner = inner
        self.rolled_back = False

    def cursor(self):
        return self.inner.cursor()

    def commit(self):
        raise sqlite3.OperationalError("disk I/O error")

    def rollback(self):
        self.rolled_back = True
        self.inner.rollback()

    def close(self):
        self.inner.close()


def test_cp_dismiss_rolls_back_when_commit_fails(cp_db, make_site):
    _errors(cp_db)
    wrappers = []

    def factory(dsn, *, timeout_seconds, autocommit, read_only=False):
        connection = connect(dsn, timeout_seconds=timeout_seconds, autocommit=autocommit, read_only=read_only)
        if autocommit:
            return connection
        wrappers.append(_CommitFails(connection))
        return wrappers[-1]

    before = _state(cp_db)
    with CounterpointStore(make_site(), connection_factory=factory) as store:
        with pytest.raises(CounterpointError, match="disk I/O error") as raised:
            store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
        assert "\n" not in str(raised.value)
        assert wrappers[0].rolled_back and not wrappers[0].inner.in_transaction
    assert _state(cp_db) == before


def test_cp_dismiss_rolls_back_on_interrupt(cp_db, make_site):
    _errors(cp_db)
    rolled_back = []

    class Interrupted(_CommitFails):
        def commit(self):
            raise KeyboardInterrupt

        def rollback(self):
            rolled_back.append(True)
            self.inner.rollback()

    def factory(dsn, *, timeout_seconds, autocommit, read_only=False):
        connection = connect(dsn, timeout_seconds=timeout_seconds, autocommit=autocommit, read_only=read_only)
        return connection if autocommit else Interrupted(connection)

    before = _state(cp_db)
    with (
        CounterpointStore(make_site(), connection_factory=factory) as store,
        pytest.raises(KeyboardInterrupt),
    ):
        store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    assert rolled_back == [True]
    assert _state(cp_db) == before


def test_cp_dismiss_checks_names_before_writing(cp_db, make_site):
    _errors(cp_db)
    sent = []
    site = make_site(rename={"USER_C5_ORD_ERR.DISMISSED_BY": "CLOSED_BY"})
    before = cp_db.errors()
    with (
        CounterpointStore(site, trace=sent.append) as store,
        pytest.raises(CounterpointSchemaError, match="CLOSED_BY"),
    ):
        store.dismiss_errors("100", "jane", NOW, err_ids=range(1, 100))
    assert not any(sql.startswith("UPDATE") for sql in sent)
    assert cp_db.errors() == before


def test_cp_dismiss_needs_an_aware_time(cp_db, make_store):
    with pytest.raises(ValueError, match="timezone-aware"):
        make_store().dismiss_errors("100", "jane", datetime(2024, 6, 1, 12), err_ids=range(1, 100))


def test_cp_dismiss_leaves_open_the_errors_it_was_not_given(cp_db, make_store):
    """The operator confirmed a list: an error that arrived since (here #2) stays open."""
    _errors(cp_db)
    store = make_store()
    store.dismiss_errors("100", "jane", NOW, err_ids=[1])
    assert [error.err_id for error in store.open_errors("100")] == [2]
    store.dismiss_errors("100", "jane", NOW, err_ids=[])
    assert [error.err_id for error in store.open_errors("100")] == [2]


def test_cp_dismiss_of_more_errors_than_one_statement_may_bind_is_one_transaction(cp_db, make_store):
    """An order Commerce5 kept retrying can pile up thousands of errors: past SQL Server's 2,100
    parameters the ids go in several statements, committed together."""
    count = 2 * queries.DISMISS_CHUNK + 5
    for err_id in range(1, count + 1):
        cp_db.add("USER_C5_ORD_ERR", ERR_ID=err_id, ORD_NO="100")
    store = make_store()
    assert len(store.open_errors("100")) == count
    store.dismiss_errors("100", "jane", NOW, err_ids=range(1, count + 1))
    assert store.open_errors("100") == []


def test_cp_the_dismiss_check_writes_nothing_and_fails_as_a_dismissal_would(cp_db, make_site):
    """doctor's check: the dismissal's own statement for no row, rolled back."""
    _errors(cp_db)
    before = _state(cp_db)
    with CounterpointStore(make_site()) as store:
        store.check_dismiss_allowed(NOW)
    assert _state(cp_db) == before

    def read_only(dsn, *, timeout_seconds, autocommit, read_only=False):  # a read-only mount, say
        return connect(dsn, timeout_seconds=timeout_seconds, autocommit=autocommit, read_only=True)

    with (
        CounterpointStore(make_site(), connection_factory=read_only) as store,
        pytest.raises(CounterpointError, match="is read-only"),
    ):
        store.check_dismiss_allowed(NOW)
    assert _state(cp_db) == before


@pytest.mark.parametrize(
    ("may_update", "updateability", "refusal"),
    [
        (1, "READ_WRITE", None),
        (0, "READ_WRITE", "may not UPDATE USER_C5_ORD_ERR"),
        (1, "READ_ONLY", "is read-only"),
    ],
)
def test_cp_the_dismiss_check_on_sql_server_asks_for_the_permission_and_updates_nothing(
    cp_db, make_site, may_update, updateability, refusal
):
    """No UPDATE there, not even of no row: a trigger would run, and locks be taken."""
    sent = []

    def factory(dsn, **_):
        connection = SqlServerLike(cp_db.path)
        connection.inner.create_function("HAS_PERMS_BY_NAME", 3, lambda *args: may_update)
        connection.inner.create_function("DB_NAME", 0, lambda: "CP")
        connection.inner.create_function("DATABASEPROPERTYEX", 2, lambda *args: updateability)
        return connection

    with CounterpointStore(make_site(), connection_factory=factory, trace=sent.append) as store:
        if refusal is None:
            store.check_dismiss_allowed(NOW)
        else:
            with pytest.raises(CounterpointError, match=refusal):
                store.check_dismiss_allowed(NOW)
    assert sent and not any(sql.lstrip().upper().startswith("UPDATE") for sql in sent)


def test_cp_the_dismiss_check_on_sql_server_fails_on_a_missing_column_by_name(cp_db, make_site):
    """``resolve --dismiss-error`` asks this before it writes to Magento: a dismissal column gone
    (``DISMISSED_BY`` dropped) must fail here, not after the status and comment are written."""
    cp_db.execute("ALTER TABLE USER_C5_ORD_ERR DROP COLUMN DISMISSED_BY")

    def factory(dsn, **_):
        connection = SqlServerLike(cp_db.path)
        connection.inner.create_function("HAS_PERMS_BY_NAME", 3, lambda *args: 1)
        connection.inner.create_function("DB_NAME", 0, lambda: "CP")
        connection.inner.create_function("DATABASEPROPERTYEX", 2, lambda *args: "READ_WRITE")
        return connection

    with (
        CounterpointStore(make_site(), connection_factory=factory) as store,
        pytest.raises(CounterpointError, match="DISMISSED_BY"),
    ):
        store.check_dismiss_allowed(NOW)
