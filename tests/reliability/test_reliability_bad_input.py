"""Bad input, through the real CLI: each case is one clear error line, the documented exit code,
no traceback, and nothing written to either system. docs/reliability.md lists every case."""

from __future__ import annotations

import os
import socket
import sqlite3
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import (
    TOKEN,
    Shop,
    World,
    assert_clear_error,
    audit_entries,
    comment_total,
    magento_orders,
    write_command,
)

from c5attn.magento.client import RetryPolicy
from c5attn.sandbox.magento_server import MagentoSandbox

HOSTILE_NUMBERS = {
    "quotes": "10'0\"01",
    "percent": "0000%",
    "semicolon": "1; DROP TABLE PS_DOC_HDR; --",
    "unicode": "Ünïcødé-№42-🛒",
    "fifty": "9" * 50,
    "escapes": "\x1b]0;pwned\x07\x1b[2J42",  # would retitle and clear the terminal, echoed raw
}
WRITING = [("resolve", "--yes"), ("dismiss-error", "--yes")]
ATTEMPTS = RetryPolicy().max_attempts  # a read is tried this many times before it fails


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without their waits: these tests are about the message at the end of them."""
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.0)


def cp_fingerprint(counterpoint_db: Path) -> list[tuple[object, ...]]:
    """Every order-error row: the only table c5attn ever writes in Counterpoint."""
    with sqlite3.connect(counterpoint_db) as db:
        return list(db.execute("SELECT * FROM USER_C5_ORD_ERR ORDER BY ERR_ID"))


# --- order numbers ---------------------------------------------------------------------------


def test_an_order_of_a_store_no_site_covers_names_that_store(shop: Shop) -> None:
    """Orders are global in Magento: one in another store is "not found" for this site, and the hint
    says where it is rather than to check the number."""
    other = next(o for o in magento_orders(shop.magento_db) if o["store_id"] != 1)
    run = shop.run("show", other["increment_id"])
    assert_clear_error(
        run,
        1,
        f"order '{other['increment_id']}' was not found in Magento (site shop)",
        f"hint: Magento has it in store {other['store_id']}, which no configured site covers",
    )


def test_unknown_order_number(shop: Shop) -> None:
    run = shop.run("show", "999999999")
    assert_clear_error(
        run, 1, "order '999999999' was not found in Magento (site shop)", "hint: check the number"
    )


@pytest.mark.parametrize("command", ["show", *(c for c, _ in WRITING)])
def test_a_number_typed_without_its_leading_zeros_is_suggested_not_used(
    shop: Shop, small_world: World, command: str
) -> None:
    real = str(small_world.orders[0]["increment_id"])
    short = real.lstrip("0")
    assert short != real and len(real) == 9
    comments, errors = comment_total(shop.magento_db), cp_fingerprint(shop.counterpoint_db)
    run = shop.run(command, short, *(["--yes"] if command != "show" else []))
    assert_clear_error(
        run,
        1,
        f"order '{short}' was not found in Magento (site shop)",
        f"hint: did you mean {real}? Magento's order numbers keep their leading zeros",
    )
    assert comment_total(shop.magento_db) == comments
    assert cp_fingerprint(shop.counterpoint_db) == errors


def test_a_number_typed_with_the_admins_hash_is_suggested_without_it(shop: Shop, small_world: World) -> None:
    real = str(small_world.orders[0]["increment_id"])
    for typed in (f"#{real}", f"#{real.lstrip('0')}"):
        assert_clear_error(
            shop.run("show", typed),
            1,
            f"order '{typed}' was not found in Magento",
            f"hint: did you mean {real}? ",
        )


def test_a_short_number_with_no_padded_order_keeps_the_plain_hint(shop: Shop) -> None:
    run = shop.run("show", "4242")
    assert_clear_error(run, 1, "order '4242' was not found in Magento (site shop)", "hint: check the number")
    assert shop.server.requests_to("GET", "/V1/orders") == 3  # the number, 000004242, then in any store


@pytest.mark.parametrize("kind", sorted(HOSTILE_NUMBERS))
@pytest.mark.parametrize("command", ["show", *(c for c, _ in WRITING)])
def test_hostile_order_numbers_are_just_unknown_numbers(shop: Shop, kind: str, command: str) -> None:
    number = HOSTILE_NUMBERS[kind]
    comments, errors = comment_total(shop.magento_db), cp_fingerprint(shop.counterpoint_db)
    extra = ["--yes"] if command != "show" else []
    run = shop.run(command, number, *extra)
    assert_clear_error(run, 1, "was not found in Magento")
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr
    assert comment_total(shop.magento_db) == comments
    assert cp_fingerprint(shop.counterpoint_db) == errors


def test_a_wildcard_never_matches_a_real_order(shop: Shop, small_world: World) -> None:
    real = str(small_world.orders[0]["increment_id"])
    assert_clear_error(shop.run("show", real[:-2] + "%"), 1, "was not found")
    assert_clear_error(shop.run("show", real[:-2] + "_" + real[-1]), 1, "was not found")
    assert shop.run("show", real).exit_code == 0


def test_a_1000_character_order_number_is_refused_before_any_request(shop: Shop) -> None:
    for command, *extra in [("show",), *WRITING]:
        run = shop.run(command, "9" * 1000, *extra)
        line = assert_clear_error(run, 2, "the order number is 1000 characters long")
        assert len(line) < 120  # not echoed back
    assert shop.server.requests_to("GET", "/V1/orders") == 0


@pytest.mark.parametrize("args", [("list", "--scenario"), ("scan", "--since")], ids=["scenario", "since"])
def test_a_huge_option_value_is_not_echoed_whole(shop: Shop, args: tuple[str, ...]) -> None:
    run = shop.run(*args, "x" * 100_000)
    assert_clear_error(run, 2, "characters)")  # "… (100,0NN characters)": the length, not the text
    assert len(run.stderr) < 1_000, len(run.stderr)


def test_a_huge_value_click_refuses_is_not_echoed_whole(shop: Shop) -> None:
    """Click's own "Invalid value for '--limit': '<100 kB>' is not a valid integer" too."""
    run = shop.run("list", "--limit", "x" * 100_000)
    assert_clear_error(run, 2, "Invalid value for '--limit'", "characters)")
    assert len(run.stderr) < 2_000, len(run.stderr)


@pytest.mark.parametrize("number", ["", "   "])
def test_empty_order_number(shop: Shop, number: str) -> None:
    for command, *extra in [("show",), *WRITING]:
        assert_clear_error(shop.run(command, number, *extra), 2, "the order number is empty")


@pytest.mark.parametrize(
    ("args", "age"), [(("scan", "--since"), "99999999d"), (("list", "--older-than"), "1000000000d")]
)
def test_an_age_too_large_is_refused_before_any_request(shop: Shop, args: tuple[str, str], age: str) -> None:
    run = shop.run(*args, age)
    assert_clear_error(run, 2, f"the age '{age}' is too large: at most 36500d", "hint: write a smaller age")
    assert shop.server.requests_to("GET", "/V1/orders") == 0


# --- configuration ---------------------------------------------------------------------------


def test_toml_syntax_error_names_the_line(shop: Shop) -> None:
    shop.config.write_text('[sites.shop\nmagento_url = "http://x"\n', encoding="utf-8")
    assert_clear_error(shop.run("scan"), 2, "not valid TOML", "line 1", str(shop.config))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('magento_tokne = "x"', "unknown key sites.shop.magento_tokne (did you mean magento_token?)"),
        ("colour = true", "unknown key sites.shop.colour"),
        ('magento_page_size = "300"', "sites.shop.magento_page_size must be an integer from 1 to 300"),
        ("magento_page_size = 5000", "sites.shop.magento_page_size must be an integer from 1 to 300"),
        ('counterpoint_timezone = "Mars/Olympus"', "sites.shop.counterpoint_timezone"),
    ],
)
def test_unknown_and_mistyped_keys(shop: Shop, line: str, expected: str) -> None:
    shop.configure(extra=line)
    assert_clear_error(shop.run("scan"), 2, expected)
    assert shop.server.requests_to("GET", "/V1/orders") == 0  # refused before any request


TIMEOUT_RANGE = "sites.shop.magento_timeout_seconds must be a number of seconds above 0 and at most 3600"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"timeout": "inf"}, f"{TIMEOUT_RANGE}, not inf"),
        ({"timeout": "nan"}, f"{TIMEOUT_RANGE}, not nan"),
        ({"timeout": "1e300"}, f"{TIMEOUT_RANGE}, not 1e+300"),
        (
            {"extra": "capture_grace_minutes = 9999999999999"},
            "sites.shop.capture_grace_minutes must be an integer from 0 to 43200, not 9999999999999",
        ),
    ],
    ids=["timeout-inf", "timeout-nan", "timeout-1e300", "grace-huge"],
)
def test_non_finite_and_absurd_numbers_are_refused(shop: Shop, keys: dict[str, str], expected: str) -> None:
    shop.configure(**keys)
    assert_clear_error(shop.run("scan"), 2, expected, "hint: docs/configuration.md")
    assert shop.server.requests_to("GET", "/V1/orders") == 0


def test_missing_site(shop: Shop) -> None:
    assert_clear_error(shop.run("--site", "shp", "scan"), 2, "'shp'", "shop")
    assert_clear_error(shop.run("scan", env={"C5ATTN_SITE": "outlet"}), 2, "C5ATTN_SITE")


def test_missing_configuration_file(shop: Shop) -> None:
    shop.config.unlink()
    assert_clear_error(shop.run("scan"), 2, str(shop.config))


def test_file_secret_readable_by_others_is_refused(shop: Shop) -> None:
    secret = shop.root / "token.txt"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    os.chmod(secret, 0o644)
    shop.configure(auth=f'magento_token = "file:{secret}"')
    run = shop.run("scan")
    assert_clear_error(run, 2, "can be read by group or others", f"chmod 600 {secret}")
    assert TOKEN not in run.stderr
    os.chmod(secret, 0o600)
    assert shop.run("scan").exit_code == 0


# --- the state folder and the audit log -------------------------------------------------------

WRITES = ["scan --apply", "resolve --dismiss-error", "dismiss-error"]


@pytest.mark.parametrize("write", [*WRITES, "--sandbox scan", "log"])
def test_a_state_folder_that_is_a_file_is_refused_before_any_write(shop: Shop, write: str) -> None:
    """And by ``log``, which reported "no entries" for it: an auditor must hear the setting is wrong."""
    blocker = shop.root / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    comments, errors = comment_total(shop.magento_db), cp_fingerprint(shop.counterpoint_db)
    special = {"--sandbox scan": ["--sandbox", "scan"], "log": ["log"]}
    args = special[write] if write in special else write_command(shop, write)
    run = shop.run(*args, env={"C5ATTN_HOME": str(blocker)})
    assert_clear_error(
        run,
        2,
        f"cannot use {blocker} (C5ATTN_HOME) as c5attn's state folder: it is a file, not a folder",
        "hint: Set C5ATTN_HOME to a folder you can write",
    )
    assert comment_total(shop.magento_db) == comments
    assert cp_fingerprint(shop.counterpoint_db) == errors
    if write == "scan --apply":  # refused before the scan, not after its table and counts
        assert run.stdout == "" and "scanned" not in run.stderr, (run.stdout, run.stderr)


@pytest.mark.parametrize("write", WRITES)
def test_an_audit_log_that_cannot_be_written_stops_writes_before_they_start(shop: Shop, write: str) -> None:
    audit_log = shop.home / "audit.jsonl"
    audit_log.mkdir(parents=True)
    comments, errors = comment_total(shop.magento_db), cp_fingerprint(shop.counterpoint_db)
    run = shop.run(*write_command(shop, write))
    assert_clear_error(
        run, 1, f"cannot write the audit log {audit_log}: Is a directory", "hint: c5attn records every write"
    )
    assert comment_total(shop.magento_db) == comments
    assert cp_fingerprint(shop.counterpoint_db) == errors
    if write == "scan --apply":
        assert run.stdout == "" and "scanned" not in run.stderr, (run.stdout, run.stderr)


@pytest.mark.parametrize("fails_on", ["outcome", "started"])
def test_an_audit_log_that_fails_mid_apply_counts_the_flags_that_stand(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, fails_on: str
) -> None:
    """Unwritable from the third outcome on, or before the third flag (a full disk): the flags
    made stand, so exit 3 with how many, not "cannot write the audit log" alone, which reads as
    nothing written."""
    from c5attn.audit import AuditLog
    from c5attn.errors import AuditUnwritable

    append, seen = AuditLog.append, []

    def fills_up(log: AuditLog, entry: Any) -> None:
        if (entry.result == "started") == (fails_on == "started"):
            seen.append(entry)
            if len(seen) > 2:
                raise AuditUnwritable(f"cannot write the audit log {log.path}: No space left on device")
        append(log, entry)

    monkeypatch.setattr(AuditLog, "append", fills_up)
    comments = comment_total(shop.magento_db)
    run = shop.run("scan", "--all", "--apply", "--yes")
    if fails_on == "outcome":
        line = assert_clear_error(run, 3, "but the audit log could not record it", "that write stands")
        assert " 2 of " in line and "orders flagged before it; order " in line and ": flag ok (" in line
        assert comment_total(shop.magento_db) == comments + 3  # the third landed, unrecorded
    else:
        line = assert_clear_error(run, 3, "then the audit log failed", "those flags stand")
        assert " 2 of " in line
        assert comment_total(shop.magento_db) == comments + 2  # no write without its entry


# --- Magento ---------------------------------------------------------------------------------


def test_wrong_token(shop: Shop) -> None:
    run = shop.run("scan", env={"REL_MAGENTO_TOKEN": "not-the-token"})
    assert_clear_error(run, 4, "Magento_Sales::actions_view")
    assert "not-the-token" not in run.stderr


class ExpiringSandbox(MagentoSandbox):
    """Admin tokens expire after the requests numbered in ``expire_after`` (every one if empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expire_after: set[int] = set()

    def handle(self, handler: Any) -> None:
        super().handle(handler)
        served = len(self.log)
        if not self.expire_after or served in self.expire_after:
            self.expire_admin_tokens()


@pytest.fixture
def admin_shop(open_shop: Callable[..., Shop], small_world: World) -> Shop:
    shop = open_shop(small_world, ExpiringSandbox, admin_users={"c5": "admin-pass-77"})
    shop.configure(auth='magento_admin_user = "c5"\nmagento_admin_password = "env:REL_ADMIN_PW"')
    return shop


def test_expired_admin_token_is_renewed_once(admin_shop: Shop, small_world: World) -> None:
    assert isinstance(admin_shop.server, ExpiringSandbox)
    admin_shop.server.expire_after = {2}  # the login, the order look-up, then the token expires
    number = str(small_world.orders[0]["increment_id"])
    run = admin_shop.run("show", number, "--json", env={"REL_ADMIN_PW": "admin-pass-77"})
    assert run.exit_code == 0, run.stderr
    assert run.json()["order"] == number
    assert admin_shop.server.requests_to("POST", "/integration/admin/token") == 2


def test_an_admin_token_that_keeps_expiring_is_a_clear_auth_error(admin_shop: Shop) -> None:
    run = admin_shop.run("scan", env={"REL_ADMIN_PW": "admin-pass-77"})
    assert_clear_error(run, 4, "isn't authorized", "refused the admin user's token", "magento_admin_user")
    assert "magento_token" not in run.stderr  # this site does not use one
    assert admin_shop.server.requests_to("POST", "/integration/admin/token") == 2  # one renewal, no loop


def test_wrong_admin_password(admin_shop: Shop) -> None:
    run = admin_shop.run("scan", env={"REL_ADMIN_PW": "wrong-pass-99"})
    assert_clear_error(run, 4, "sign-in was incorrect", "magento_admin_password")
    assert "wrong-pass-99" not in run.stderr


CERTIFICATE = Path(__file__).with_name("reliability-selfsigned-127.0.0.1.pem")  # key included; 100 years


@pytest.fixture
def self_signed_https() -> Iterator[str]:
    """An https listener on 127.0.0.1 whose certificate is self-signed (no CA vouches for it)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERTIFICATE)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_tls_certificate_failure(shop: Shop, self_signed_https: str) -> None:
    shop.configure(url=self_signed_https)
    assert_clear_error(shop.run("scan"), 1, "the TLS check of https://127.0.0.1:", "magento_verify_tls")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_host(shop: Shop, no_backoff: None) -> None:
    shop.configure(url=f"http://127.0.0.1:{closed_port()}")
    assert_clear_error(shop.run("scan"), 1, "cannot reach http://127.0.0.1:", "check magento_url")


def _answering(body: bytes, content_type: str = "application/json") -> type[BaseHTTPRequestHandler]:
    class Answer(BaseHTTPRequestHandler):
        """A server that answers every GET with one body: not Magento's API (a proxy, a cache, the
        shop's web pages)."""

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Answer


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def html_site() -> Iterator[str]:
    """Every path answers the shop's HTML home page."""
    page = b"<!doctype html><html><head><title>Luma</title></head><body>Welcome</body></html>"
    with _serving(_answering(page, "text/html; charset=UTF-8")) as url:
        yield url


def test_a_redirect_to_another_host_names_it_not_the_token(shop: Shop) -> None:
    """magento_url at an old address whose web server redirects to the shop's (http://shop to
    https://www.shop): requests sends no credentials to another host, and Magento's 401 had the
    hint "the token is wrong or expired": the operator checked a token that was right."""
    target = shop.server.url

    class MovedElsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(301)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with _serving(MovedElsewhere) as old:
        shop.configure(url=old)
        run = shop.run("scan")
    assert_clear_error(
        run, 4, f"hint: {old} redirected the request to {target}, and the credentials are not sent to "
        f"another address: set magento_url to {target}"
    )


def test_magento_answering_an_html_page(shop: Shop, html_site: str, no_backoff: None) -> None:
    shop.configure(url=html_site)
    assert_clear_error(shop.run("scan"), 1, "HTTP 200 with an HTML page", "check magento_url")


def test_doctor_does_not_call_a_web_page_magento(shop: Shop, html_site: str, no_backoff: None) -> None:
    shop.configure(url=html_site)
    run = shop.run("doctor", "--json")
    reachable = next(check for check in run.json() if check["name"] == "Magento reachable")
    assert run.exit_code == 1 and reachable["ok"] is False
    assert "answers, but not as Magento does (an HTML page)" in reachable["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"total_count": 5}', "counts 5 orders but holds none"),
        (b'{"items": [1, "x", null], "total_count": 3}', "has no list of order objects"),
        (b'{"items": [], "total_count": 2}', "counts 2 orders but holds none"),
    ],
    ids=["no-items", "not-objects", "empty-items"],
)
def test_a_search_answer_without_its_orders_is_an_error_not_an_all_clear(
    shop: Shop, body: bytes, message: str
) -> None:
    with _serving(_answering(body)) as url:
        shop.configure(url=url)
        for command in (("scan", "--fail-if-found"), ("list",)):
            assert_clear_error(shop.run(*command), 1, message, "check magento_url")


def test_magento_answering_html_error_pages_until_retries_run_out(shop: Shop, no_backoff: None) -> None:
    shop.server.fail_next(*["503"] * ATTEMPTS)
    assert_clear_error(shop.run("scan"), 1, "HTTP 503 with an HTML page", "try again later")
    assert shop.server.requests_to("GET", "/V1/orders") == ATTEMPTS


def test_malformed_json(shop: Shop, no_backoff: None) -> None:
    shop.server.fail_next(*["badjson"] * ATTEMPTS)
    assert_clear_error(shop.run("scan"), 1, "HTTP 200 with malformed JSON", "try again")


def test_wrong_magento_url_path_is_a_404_route(shop: Shop) -> None:
    shop.configure(url=shop.server.url + "/shop")
    assert_clear_error(shop.run("scan"), 1, "Request does not match any route", "magento_url")


class RedirectsTheOldPath(MagentoSandbox):
    """A web server in front of Magento that answers a moved path with a 301 to the new one, on
    the same host (so the bearer token goes along): http:// to https://, or a folder moved."""

    def handle(self, handler: Any) -> None:
        if handler.path.startswith("/old/"):
            handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
            location = handler.path.removeprefix("/old")
            handler.send(301, b"", "text/html", {"Location": location})
            return
        super().handle(handler)


def test_a_write_answered_with_a_redirect_writes_nothing_and_says_so(
    open_shop: Callable[..., Shop], small_world: World
) -> None:
    """Reads follow the redirect, so the scan worked; the comment's POST was sent on as a GET
    (requests does as browsers do), which read the comments and answered 200: "status stays
    processing; comment added" and "the comment was added but Magento kept status" (audit ok,
    not-applied) while nothing was written."""
    shop = open_shop(small_world, RedirectsTheOldPath)
    shop.configure(url=shop.server.url + "/old")
    assert shop.run("scan").exit_code == 0
    number = write_command(shop, "dismiss-error")[1]
    comments = comment_total(shop.magento_db)

    run = shop.run("resolve", number, "--yes")
    moved = f"/old answered HTTP 301, redirecting to {shop.server.url}/rest/default/V1/orders/"
    assert_clear_error(run, 1, moved, "nothing was sent there")
    assert f"hint: set magento_url to {shop.server.url}, the address it redirects to" in run.stderr
    assert [(e["action"], e["result"]) for e in audit_entries(shop.home)] == [
        ("resolve", "started"),
        ("resolve", "failed"),
    ]
    flags = shop.run("scan", "--all", "--apply", "--yes")
    assert flags.exit_code == 1 and "answered HTTP 301" in flags.stderr, flags.stderr
    assert f"hint: set magento_url to {shop.server.url}, the address" in flags.stderr
    assert "comment was added" not in flags.stderr
    assert comment_total(shop.magento_db) == comments
    # Every write of the site would meet the same redirect: the first one stops the site's flags.
    assert "its other orders not attempted" in flags.stderr
    assert [e["result"] for e in audit_entries(shop.home) if e["action"] == "flag"] == ["started", "failed"]


# --- Counterpoint ----------------------------------------------------------------------------


def test_sqlite_database_that_does_not_exist(shop: Shop) -> None:
    shop.configure(dsn=shop.root / "nowhere" / "cp.db")
    assert_clear_error(shop.run("scan"), 1, "does not exist", "counterpoint_dsn")


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("folder", "is a folder, not a database file"),
        ("text", "is not a SQLite database"),
        ("sqlite://", "counterpoint_dsn 'sqlite://' names no SQLite file"),
        ("sqlite:///", "counterpoint_dsn 'sqlite:///' names no SQLite file"),
    ],
)
def test_a_sqlite_dsn_that_names_no_database_says_what_it_names(shop: Shop, dsn: str, message: str) -> None:
    if dsn == "folder":
        dsn = f"sqlite:///{shop.root}"
    elif dsn == "text":
        notes = shop.root / "notes.txt"
        notes.write_text("not a database, but a file of some size " * 100, encoding="utf-8")
        dsn = f"sqlite:///{notes}"
    shop.configure(dsn=dsn)
    assert_clear_error(shop.run("scan"), 1, message, "sqlite:///relative/path or sqlite:////absolute/path")


def test_odbc_driver_that_does_not_exist(shop: Shop) -> None:
    shop.configure(dsn="DRIVER={No Such Driver 99};SERVER=127.0.0.1;DATABASE=cp;UID=c5;PWD=cp-pass-31")
    run = shop.run("scan")
    assert_clear_error(run, 1, "ODBC driver 'No Such Driver 99' is not installed", "odbcinst")
    assert "cp-pass-31" not in run.stderr


@pytest.mark.parametrize(
    ("ddl", "named"),
    [
        ("DROP TABLE PS_DOC_PMT", "PS_DOC_PMT"),
        ("ALTER TABLE PS_DOC_LIN DROP COLUMN QTY_SOLD", "QTY_SOLD"),
        ("ALTER TABLE USER_C5_ORD_ERR DROP COLUMN IS_DISMISSED", "IS_DISMISSED"),
    ],
)
def test_missing_table_or_column(shop: Shop, ddl: str, named: str) -> None:
    with sqlite3.connect(shop.counterpoint_db) as db:
        db.execute(ddl)
    comments = comment_total(shop.magento_db)
    assert_clear_error(shop.run("scan", "--all", "--apply", "--yes"), 1, named)
    assert comment_total(shop.magento_db) == comments


@pytest.mark.parametrize(
    ("update", "shown"),
    [
        ("UPDATE PS_DOC_LIN SET QTY_SOLD = 1e400", "'inf'"),  # SQLite's REAL infinity
        ("UPDATE PS_DOC_LIN SET QTY_SOLD = 'NaN'", "'NaN'"),
        ("UPDATE PS_DOC_LIN SET QTY_SOLD = X'FF00'", "b'\\xff\\x00'"),  # a BLOB that is not UTF-8 text
    ],
    ids=["infinite", "nan", "blob"],
)
def test_a_quantity_that_is_no_finite_number_is_one_error_line(shop: Shop, update: str, shown: str) -> None:
    """A quantity Counterpoint holds as no number the engine can add up: the scan stops with one
    line naming the value, before any write (it was a traceback from deep in the engine)."""
    with sqlite3.connect(shop.counterpoint_db) as db:
        db.execute(update)
    comments = comment_total(shop.magento_db)
    assert_clear_error(
        shop.run("scan", "--all", "--apply", "--yes"),
        1,
        f"Counterpoint returned {shown} where a number was expected, in PS_DOC_LIN.QTY_SOLD of document ",
    )
    assert comment_total(shop.magento_db) == comments


def test_a_ticket_time_at_the_end_of_the_calendar_is_one_error_line(shop: Shop) -> None:
    """SQL Server's last datetime as a ticket's local time: west of UTC, past year 9999 (it was
    an OverflowError traceback)."""
    with sqlite3.connect(shop.counterpoint_db) as db:
        db.execute("UPDATE PS_DOC_HDR SET TKT_DT = '9999-12-31 23:59:59', RS_UTC_DT = NULL")
    shop.configure(extra='counterpoint_timezone = "America/New_York"')
    comments = comment_total(shop.magento_db)
    assert_clear_error(
        shop.run("scan", "--all", "--apply", "--yes"),
        1,
        "Counterpoint returned '9999-12-31 23:59:59' where a date and time within the years 1 to 9999",
        "in UTC was expected, in PS_DOC_HDR.TKT_DT of document ",
    )
    assert comment_total(shop.magento_db) == comments


@pytest.mark.parametrize("column", ["DISMISSED_BY", "DISMISSED_DT"])
def test_resolve_dismiss_error_that_could_not_dismiss_writes_nothing(shop: Shop, column: str) -> None:
    """It set the status and added the comment, then failed on the dismissal: half written, exit 3
    "finish with dismiss-error", for a failure Counterpoint could tell before (as doctor asks it)."""
    args = write_command(shop, "resolve --dismiss-error")
    with sqlite3.connect(shop.counterpoint_db) as db:
        db.execute(f"ALTER TABLE USER_C5_ORD_ERR DROP COLUMN {column}")
    comments, errors = comment_total(shop.magento_db), cp_fingerprint(shop.counterpoint_db)
    assert_clear_error(shop.run(*args), 1, f"column {column} not found in Counterpoint")
    assert comment_total(shop.magento_db) == comments and cp_fingerprint(shop.counterpoint_db) == errors
    order = next(o for o in magento_orders(shop.magento_db) if str(o["increment_id"]) == args[1])
    assert order["status"] == "needs_attention" and audit_entries(shop.home) == []


def test_a_dismissal_left_unknown_is_settled_by_the_next_dismiss_error_that_finds_none_open(
    shop: Shop,
) -> None:
    """An earlier run's dismissal whose outcome was never recorded (a kill, a lost answer): the
    next run, finding no open error, says so and records that it landed."""
    from c5attn.audit import AuditEntry, AuditLog

    args = write_command(shop, "dismiss-error")
    number = args[1]
    assert shop.run(*args).exit_code == 0
    AuditLog(shop.home).append(
        AuditEntry("shop", number, "dismiss-error", {}, {}, "unknown", "op", "interrupted", run_id="gone")
    )
    run = shop.run("dismiss-error", number, "--yes")
    assert run.exit_code == 0, run.stderr
    assert "an earlier dismissal, left unsettled in the audit log, landed: recorded there" in run.stderr
    last = audit_entries(shop.home)[-1]
    assert (last["action"], last["result"]) == ("dismiss-error", "ok")
    assert "(run gone) landed" in last["message"]
    entries = len(audit_entries(shop.home))
    again = shop.run("dismiss-error", number, "--yes")  # settled once: nothing more to say or record
    assert "earlier dismissal" not in again.stderr and len(audit_entries(shop.home)) == entries


@pytest.mark.parametrize("write", ["resolve", "dismiss-error"])
def test_a_dry_run_leaves_an_unsettled_write_for_a_real_run(shop: Shop, write: str) -> None:
    """``--dry-run`` writes nothing, the audit log included: it recorded "an earlier run's … landed"
    (and with an audit log it could not write, exited 3 "that write stands")."""
    from c5attn.audit import AuditEntry, AuditLog

    number = write_command(shop, "dismiss-error")[1]
    assert shop.run("resolve", number, "--dismiss-error", "--yes").exit_code == 0
    AuditLog(shop.home).append(
        AuditEntry("shop", number, write, {}, {}, "unknown", "op", "interrupted", run_id="gone")
    )
    log = (shop.home / "audit.jsonl").read_bytes()
    dry = shop.run(write, number, "--dry-run")
    assert dry.exit_code == 0 and "left unsettled" not in dry.stderr, dry.stderr
    assert (shop.home / "audit.jsonl").read_bytes() == log
    real = shop.run(write, number, "--yes")  # the next real run settles it
    assert real.exit_code == 0 and "left unsettled in the audit log, landed" in real.stderr, real.stderr
