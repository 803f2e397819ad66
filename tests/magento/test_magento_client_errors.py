"""Every failure becomes one typed, one-line C5Error with a hint, and never shows a secret."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from magento_factory import TOKEN, json_answer, make_orders, site_for

from c5attn.errors import (
    MagentoAuthError,
    MagentoConnectionError,
    MagentoError,
    MagentoNotFound,
    MagentoServerError,
    MagentoTimeout,
    MagentoTLSError,
    MagentoValidationError,
)
from c5attn.magento.client import MagentoClient, RetryPolicy
from c5attn.sandbox.magento_server import MagentoSandbox

ClientFactory = Callable[..., MagentoClient]
Scripted = Callable[..., tuple[str, list[str]]]
ONE_ATTEMPT = RetryPolicy(max_attempts=1)


def _raised(call: Callable[[], object], expected: type[MagentoError]) -> MagentoError:
    with pytest.raises(expected) as caught:
        call()
    error = caught.value
    assert "\n" not in error.message and error.hint
    assert TOKEN not in str(error)
    return error


def test_401_renders_the_acl_resource(
    sandbox_factory: Callable[..., MagentoSandbox], client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(1), token="other-token")
    client = client_factory(site_for(sandbox.url))
    error = _raised(lambda: client.get_order(1), MagentoAuthError)
    assert "The consumer isn't authorized to access Magento_Sales::actions_view." in error.message
    assert "token is wrong or expired" in (error.hint or "") and error.status == 401
    assert error.exit_code == 4


def test_unknown_route_hints_at_the_url(scripted_server: Scripted, client_factory: ClientFactory) -> None:
    url, _ = scripted_server(json_answer(404, {"message": "Request does not match any route."}))
    error = _raised(lambda: client_factory(site_for(url)).get_comments(1), MagentoNotFound)
    assert "magento_url" in (error.hint or "")


@pytest.mark.parametrize(
    ("body", "described"),
    [(b"", "an empty answer"), (b'{"error": "not found"}', "JSON that is not a Magento error")],
)
def test_a_404_that_is_not_magentos_hints_at_the_url(
    scripted_server: Scripted, client_factory: ClientFactory, body: bytes, described: str
) -> None:
    """Magento names what it did not find; a bare 404 is another server at magento_url, and a
    search has no order number to check (`list` said "check the order number or id")."""
    url, _ = scripted_server((404, {"Content-Type": "application/json"}, body))
    error = _raised(lambda: client_factory(site_for(url)).find_order("000000001"), MagentoNotFound)
    assert f"HTTP 404 with {described}" in error.message
    assert "magento_url" in (error.hint or "") and "order number" not in (error.hint or "")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"message": 'Invalid value of "%1" provided for the %2 field.', "parameters": ["x", "status"]},
            'Invalid value of "x" provided for the status field.',
        ),
        (
            {
                "message": "No such entity with %fieldName = %fieldValue",
                "parameters": {"fieldName": "id", "fieldValue": 88},
            },
            "No such entity with id = 88",
        ),
    ],
)
def test_400_with_list_and_dict_parameters(
    scripted_server: Scripted, client_factory: ClientFactory, body: dict[str, object], expected: str
) -> None:
    url, _ = scripted_server(json_answer(400, body))
    error = _raised(lambda: client_factory(site_for(url)).add_comment(1, "x"), MagentoValidationError)
    assert error.message.endswith(expected) and error.status == 400


def test_an_error_whose_errors_member_is_no_list_keeps_its_message(
    scripted_server: Scripted, client_factory: ClientFactory
) -> None:
    """Magento's ``errors`` is a list; one that is not (``true``, as async answers use the member, or
    a number from something in front of Magento) was a TypeError traceback, not the refusal."""
    url, _ = scripted_server(json_answer(400, {"message": "The request was refused.", "errors": True}))
    error = _raised(lambda: client_factory(site_for(url)).add_comment(1, "x"), MagentoValidationError)
    assert error.message.endswith("The request was refused.") and error.status == 400


@pytest.mark.parametrize(
    ("answer", "expected_text"),
    [
        (
            json_answer(
                500,
                {"message": "Internal Error. Details are available in Magento log file. Report ID: webapi-1"},
            ),
            "Report ID: webapi-1",
        ),
        (
            (502, {"Content-Type": "text/html"}, b"<html><body>Bad Gateway</body></html>"),
            "HTTP 502 with an HTML page",
        ),
        ((500, {"Content-Type": "application/json"}, b'{"message": '), "HTTP 500 with malformed JSON"),
        ((504, {}, b""), "HTTP 504 with an empty answer"),  # a gateway's: it said "JSON that is not…"
    ],
)
def test_server_failures(
    scripted_server: Scripted,
    client_factory: ClientFactory,
    answer: tuple[int, dict[str, str], bytes],
    expected_text: str,
) -> None:
    url, _ = scripted_server(answer)
    client = client_factory(site_for(url), retry=ONE_ATTEMPT)
    error = _raised(lambda: client.get_order(1), MagentoServerError)
    assert expected_text in error.message


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ((200, {"Content-Type": "text/html"}, b"<html>Admin login</html>"), "an HTML page"),
        ((200, {"Content-Type": "application/json"}, b'{"entity_id": 1, "items": ['), "malformed JSON"),
        ((200, {"Content-Type": "application/json"}, b""), "an empty answer"),
    ],
)
def test_a_success_that_is_not_json(
    scripted_server: Scripted,
    client_factory: ClientFactory,
    answer: tuple[int, dict[str, str], bytes],
    kind: str,
) -> None:
    url, seen = scripted_server(answer)
    client = client_factory(site_for(url), retry=RetryPolicy(max_attempts=2))
    error = _raised(lambda: client.get_order(1), MagentoServerError)
    assert f"HTTP 200 with {kind}" in error.message
    assert len(seen) == 2  # a garbled read is retried like any transient failure


def test_timeout_on_a_slow_server_is_not_retried(
    sandbox_factory: Callable[..., MagentoSandbox], client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(1), slow_seconds=1.0)
    sandbox.fail_next("slow")
    client = client_factory(site_for(sandbox.url, magento_timeout_seconds=0.3))
    error = _raised(lambda: client.get_order(1), MagentoTimeout)
    assert "did not answer within 0.3s" in error.message
    assert client.request_count == 1


class _Trickle(BaseHTTPRequestHandler):
    """Headers at once, then the body a byte every 0.1 s for 20 s: no single wait is long."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "200")
        self.end_headers()
        for _ in range(200):
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:  # the client gave up: what this test wants
                return
            time.sleep(0.1)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_an_answer_that_trickles_in_times_out_by_the_whole_answer(client_factory: ClientFactory) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        client = client_factory(site_for(url, magento_timeout_seconds=0.5), retry=RetryPolicy(max_attempts=1))
        started = time.monotonic()
        error = _raised(lambda: client.get_order(1), MagentoTimeout)
        assert "did not answer within 0.5s" in error.message
        assert time.monotonic() - started < 10  # the whole answer would take 20 s
    finally:
        server.shutdown()
        server.server_close()


def test_connection_refused_on_a_closed_port(client_factory: ClientFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = client_factory(site_for(f"http://127.0.0.1:{port}"), sleep=sleeps.append)
    error = _raised(lambda: client.get_order(1), MagentoConnectionError)
    assert f"cannot reach http://127.0.0.1:{port}" in error.message and "magento_url" in (error.hint or "")
    assert client.request_count == 6 and len(sleeps) == 5  # connection errors are retried on reads


def _self_signed() -> ssl.SSLContext:
    """A TLS server context with the fixture's self-signed certificate (see fixtures/README.md)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(Path(__file__).parent / "fixtures" / "selfsigned-127.0.0.1.pem")
    return context


def test_tls_failure_against_a_self_signed_certificate(
    scripted_server: Scripted, client_factory: ClientFactory
) -> None:
    url, _ = scripted_server(json_answer(200, {"entity_id": 1, "increment_id": "1"}), tls=_self_signed())
    client = client_factory(site_for(url))
    error = _raised(lambda: client.get_order(1), MagentoTLSError)
    assert "TLS check" in error.message and "magento_verify_tls" in (error.hint or "")
    assert client.request_count == 1  # a certificate problem is not retried
    insecure = client_factory(site_for(url, magento_verify_tls=False))
    assert insecure.get_order(1).entity_id == 1
