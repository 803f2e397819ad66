"""A local Magento 2.4 admin REST server, faithful enough to test c5attn's client against.

It serves the endpoints c5attn uses with Magento's semantics and error shapes (magento-api.md):
searchCriteria in both spellings, OR within a filter group and AND across groups, the last-page
clamp, ``fields`` partial responses, the optional page-size limit, the comment/status rule of
2.4.6, 2.4.7 GA and current builds, bearer tokens, admin-token login and real OAuth 1.0a
signature checks. Latency and faults (5xx, 429, dropped connections, slow answers, malformed
JSON) are injected from a seeded random generator, so a run can be replayed.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from c5attn.sandbox import fields_filter, magento_schema
from c5attn.sandbox.magento_store import VERSIONS, MagentoStore, SandboxError, UnknownColumn
from c5attn.sandbox.php_query import PhpArray, php_query
from c5attn.sandbox.search_criteria import Condition, Criteria, SearchCriteriaError, read_search_criteria

DEFAULT_TOKEN = "sandbox-token"
VERSION_TEXT = "Magento/2.4 (Community)"  # /magento_version never tells the patch level
NO_ROUTE = "Request does not match any route."
UNAUTHORIZED = "The consumer isn't authorized to access %resources."
FAULT_KINDS = ("drop", "slow", "badjson", "gateway")
MAX_LATENCY_MS = 60_000  # a minute: past any client timeout worth testing

_ID_TYPE_ERROR = 'The "%1" value\'s type is invalid. The "int" type was expected. Verify and try again.'


@dataclass(frozen=True)
class Fault:
    """One kind of injected failure and the share of requests it hits."""

    kind: str  # an HTTP status code ("503"), or drop | slow | badjson | gateway
    rate: float


def parse_faults(spec: str | None) -> tuple[Fault, ...]:
    """``"503:0.1,429:0.05,drop:0.02"`` → faults; rates must add up to at most 1."""
    if not spec:
        return ()
    faults = []
    for part in spec.split(","):
        kind, sep, rate_text = part.strip().partition(":")
        if not sep:
            raise ValueError(f"fault {part!r} is not KIND:RATE")
        if kind not in FAULT_KINDS and not (kind.isdigit() and 400 <= int(kind) <= 599):
            raise ValueError(
                f"fault kind {kind!r} is not an HTTP status 400-599, drop, slow, badjson or gateway"
            )
        rate = float(rate_text)
        if not 0 <= rate <= 1:
            raise ValueError(f"fault rate {rate_text!r} is not between 0 and 1")
        faults.append(Fault(kind, rate))
    if sum(f.rate for f in faults) > 1 + 1e-9:
        raise ValueError("fault rates add up to more than 1")
    return tuple(faults)


def check_latency(latency_ms: float) -> float:
    """``latency_ms`` if it is a delay from 0 to ``MAX_LATENCY_MS``; else ValueError. Checked at
    start: a negative, infinite or NaN delay failed every request instead (``time.sleep``)."""
    if not 0 <= latency_ms <= MAX_LATENCY_MS:  # NaN fails every comparison
        raise ValueError(f"the latency must be from 0 to {MAX_LATENCY_MS} ms, not {latency_ms:g}")
    return latency_ms


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    action: str
    resource: str | None  # the ACL resource named in a 401; None: no authentication


def _route(method: str, pattern: str, action: str, resource: str | None) -> _Route:
    return _Route(method, re.compile(pattern + r"/?$"), action, resource)


_DOCUMENT_RESOURCES = {
    "invoices": "Magento_Sales::sales_invoice",
    "shipments": "Magento_Sales::shipment",
    "creditmemos": "Magento_Sales::sales_creditmemo",
}
_ROUTES = (
    _route("GET", r"/V1/orders", "search_orders", "Magento_Sales::actions_view"),
    _route("GET", r"/V1/orders/(?P<id>[^/]+)", "get_order", "Magento_Sales::actions_view"),
    _route("GET", r"/V1/orders/(?P<id>[^/]+)/comments", "get_comments", "Magento_Sales::actions_view"),
    _route("POST", r"/V1/orders/(?P<id>[^/]+)/comments", "post_comment", "Magento_Sales::comment"),
    *(
        _route(
            "POST",
            rf"/V1/orders/(?P<id>[^/]+)/(?P<action>{action})",
            "order_action",
            f"Magento_Sales::{action}",
        )
        for action in ("hold", "unhold", "cancel")
    ),
    *(
        _route("GET", rf"/V1/(?P<kind>{kind})", "search_documents", resource)
        for kind, resource in _DOCUMENT_RESOURCES.items()
    ),
    _route("POST", r"/V1/integration/admin/token", "admin_token", None),
)
_REST_PREFIX = re.compile(r"^/rest(?:/(?P<store>[A-Za-z0-9_]+))?(?P<rest>/V1/.*)$")


class _Reply(Exception):
    """Finish the request with this status and JSON body (used for every Magento error)."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a scan stopped, Ctrl-C) is no error of the sandbox's: only
        other failures get socketserver's traceback on stderr."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class MagentoSandbox:
    """The sandbox server over a store made by ``magento_store.load_orders``.

    ``start()`` serves in a background thread and returns the base URL; ``stop()`` (or leaving
    the ``with`` block) shuts it down after the last answer. Every write is committed before it
    is answered, so stopping never loses state.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        latency_ms: float = 0,
        faults: str | None = None,
        seed: int | None = None,
        max_page_size: int | None = None,
        magento_version: str = "2.4.8",
        state_map: Mapping[str, list[str]] | None = None,
        oauth_consumers: Mapping[str, str] | None = None,
        oauth_tokens: Mapping[str, str] | None = None,
        admin_users: Mapping[str, str] | None = None,
        slow_seconds: float = 5.0,
        store_codes: Collection[str] = ("default",),
    ) -> None:
        if magento_version not in VERSIONS:
            raise ValueError(f"magento_version must be one of {', '.join(VERSIONS)}")
        if max_page_size is not None and max_page_size < 1:
            raise ValueError("max_page_size must be at least 1")
        self.store = MagentoStore(db_path, state_map)
        # Magento strips a store code from the path only when it knows it (or "all"): an unknown
        # one stays in the path, and no route matches it.
        self.store_codes = frozenset(store_codes) | {"all"}
        self.host = host
        self.port = port
        self.token = token
        self.latency_ms = check_latency(latency_ms)
        self.faults = parse_faults(faults)
        self.max_page_size = max_page_size
        self.magento_version = magento_version
        self.oauth_consumers = dict(oauth_consumers or {})
        self.oauth_tokens = dict(oauth_tokens or {})
        self.admin_users = dict(admin_users or {})
        self.slow_seconds = slow_seconds
        self.log: deque[tuple[str, str]] = deque(maxlen=100_000)  # (method, path) of requests received
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._admin_tokens: set[str] = set()
        self._nonces: set[tuple[str, str, str]] = set()
        self._queued_faults: deque[tuple[str, str | None]] = deque()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a background thread; returns ``http://host:port``."""
        server = _Server((self.host, self.port), _handler_class(self))
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop accepting, wait for the serving loop, close the store."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.store.close()

    def __enter__(self) -> MagentoSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test hooks ----------------------------------------------------------------------------

    def fail_next(self, *kinds: str, method: str | None = None) -> None:
        """Make the next API requests (of ``method`` only, if given) fail with these faults, in order.

        Queued faults come before any random one.
        """
        parse_faults(",".join(f"{kind}:0" for kind in kinds))  # validates the kinds
        with self._lock:
            self._queued_faults.extend((kind, method) for kind in kinds)

    def expire_admin_tokens(self) -> None:
        """Forget every issued admin token, as when they expire: the next use gets a 401."""
        with self._lock:
            self._admin_tokens.clear()

    def requests_to(self, method: str, path_fragment: str) -> int:
        """How many logged requests had this method and a path containing ``path_fragment``."""
        return sum(1 for m, path in list(self.log) if m == method and path_fragment in path)

    # --- request handling ----------------------------------------------------------------------

    def _draw_fault(self, method: str) -> str | None:
        with self._lock:
            for queued in self._queued_faults:
                if queued[1] in (None, method):
                    self._queued_faults.remove(queued)
                    return queued[0]
            if not self.faults:
                return None
            draw = self._rng.random()
        threshold = 0.0
        for fault in self.faults:
            threshold += fault.rate
            if draw < threshold:
                return fault.kind
        return None

    def _authenticate(self, handler: _Handler, route: _Route, query: str) -> None:
        header = handler.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer":
            with self._lock:
                valid = credentials == self.token or credentials in self._admin_tokens
        elif scheme.lower() == "oauth":
            valid = self._oauth_valid(handler, header, query)
        else:
            valid = False
        if not valid:
            raise _Reply(401, {"message": UNAUTHORIZED, "parameters": {"resources": route.resource}})

    def _oauth_valid(self, handler: _Handler, header: str, query: str) -> bool:
        """Verify an OAuth 1.0a HMAC signature over method, URL and query (not a JSON body)."""
        from oauthlib.common import Request as OAuthRequest
        from oauthlib.oauth1.rfc5849 import signature

        try:
            oauth = dict(
                signature.collect_parameters(headers={"Authorization": header}, exclude_oauth_signature=False)
            )
        except ValueError:
            return False
        consumer_secret = self.oauth_consumers.get(oauth.get("oauth_consumer_key", ""))
        token_secret = self.oauth_tokens.get(oauth.get("oauth_token", ""))
        if consumer_secret is None or token_secret is None:
            return False
        nonce = (
            oauth.get("oauth_consumer_key", ""),
            oauth.get("oauth_nonce", ""),
            oauth.get("oauth_timestamp", ""),
        )
        request = OAuthRequest(
            f"http://{handler.headers.get('Host', self.host)}{handler.path}", handler.command
        )
        request.params = signature.collect_parameters(uri_query=query, headers={"Authorization": header})
        request.signature = oauth.get("oauth_signature", "")
        method = oauth.get("oauth_signature_method")
        if method == "HMAC-SHA256":
            valid = signature.verify_hmac_sha256(request, consumer_secret, token_secret)
        elif method == "HMAC-SHA1":
            valid = signature.verify_hmac_sha1(request, consumer_secret, token_secret)
        else:
            return False
        with self._lock:
            if not valid or nonce in self._nonces:
                return False
            self._nonces.add(nonce)
        return True

    def handle(self, handler: _Handler) -> None:
        """Answer one request (called on the request's own thread)."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        parts = urlsplit(handler.path)
        body = handler.read_body()
        self.log.append((handler.command, parts.path))
        try:
            if handler.command == "GET" and parts.path.rstrip("/") == "/magento_version":
                handler.send(200, VERSION_TEXT.encode(), "text/plain; charset=UTF-8")
                return
            match = _REST_PREFIX.match(parts.path)
            if not match or match.group("store") not in (None, *self.store_codes):
                raise _Reply(404, {"message": NO_ROUTE})
            fault = self._draw_fault(handler.command)
            if fault == "drop":  # before any processing: a dropped write did not land
                handler.drop()
                return
            if fault is not None and fault.isdigit():
                self._fault_reply(int(fault))
            if fault == "slow" and handler.command == "GET":
                time.sleep(self.slow_seconds)
            status, payload = self._dispatch(handler, match.group("rest"), parts.query, body)
            data = json.dumps(payload, separators=(",", ":")).encode()
            if fault == "slow" and handler.command == "POST":  # the write landed; the answer is late
                time.sleep(self.slow_seconds)
            if fault == "badjson":
                data = data[: max(1, len(data) // 2)]
            if fault == "gateway":  # processed (a write landed), but a proxy in front timed out
                self._fault_reply(504)
            handler.send(status, data, "application/json; charset=utf-8")
        except _Reply as reply:
            _send_reply(handler, reply)
        except UnknownColumn as exc:  # the client's mistake, not the sandbox's: no traceback
            report_id = _new_report_id()
            sys.stderr.write(f"Magento sandbox {report_id}: {exc}\n")
            _send_reply(handler, _internal_error(report_id))
        except Exception:
            # A bug of the sandbox's gets Magento's answer to any unexpected exception, with the
            # traceback where Magento would log it: dropping the connection is the ``drop`` fault.
            report_id = _new_report_id()
            sys.stderr.write(f"Magento sandbox {report_id}: {traceback.format_exc()}")
            _send_reply(handler, _internal_error(report_id))

    def _fault_reply(self, status: int) -> None:
        if status == 500:
            raise _internal_error(_new_report_id())
        if status == 429:
            raise _Reply(
                429, "<html><body><h1>429 Too Many Requests</h1></body></html>", {"Retry-After": "1"}
            )
        if status >= 500:
            title = {503: "Service Temporarily Unavailable", 502: "Bad Gateway", 504: "Gateway Time-out"}
            raise _Reply(
                status, f"<html><head><title>{status} {title.get(status, 'Error')}</title></head></html>"
            )
        raise _Reply(status, {"message": "Injected fault."})

    def _dispatch(self, handler: _Handler, path: str, query: str, body: bytes) -> tuple[int, Any]:
        found = ((r, m) for r in _ROUTES if r.method == handler.command and (m := r.pattern.match(path)))
        route, match = next(found, (None, None))
        if route is None or match is None:
            raise _Reply(404, {"message": NO_ROUTE})
        args = match.groupdict()
        if route.resource is not None:
            self._authenticate(handler, route, query)
        if body:  # Magento reads a body only when there is one, and by its Content-Type
            _check_content_type(handler.headers.get("Content-Type", ""))
        params = php_query(query)  # as PHP reads it into $_GET
        try:
            return 200, getattr(self, f"_do_{route.action}")(args, params, body)
        except SandboxError as exc:
            raise _Reply(exc.status, exc.body()) from exc
        except SearchCriteriaError as exc:
            raise _Reply(400, _error(exc.message, exc.parameters)) from exc

    # --- endpoints -----------------------------------------------------------------------------

    def _do_search_orders(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        return self._search("orders", params)

    def _do_search_documents(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        return self._search(args["kind"], params)

    def _search(self, kind: str, params: PhpArray) -> Any:
        criteria = read_search_criteria(params, max_page_size=self.max_page_size)
        items, total = self.store.search(criteria, kind)
        result = {"items": items, "search_criteria": criteria.echo(), "total_count": total}
        return fields_filter.filtered(result, params)

    def _do_get_order(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        return fields_filter.filtered(self.store.get_order(_entity_id(args["id"])), params)

    def _do_get_comments(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        entity_id = _entity_id(args["id"])
        items = self.store.comments(entity_id)
        criteria = Criteria(((Condition("parent_id", str(entity_id), "eq"),),))
        return fields_filter.filtered(
            {"items": items, "search_criteria": criteria.echo(), "total_count": len(items)}, params
        )

    def _do_post_comment(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        entity_id = _entity_id(args["id"])
        payload = _json_body(body)
        history = payload.get("statusHistory", payload.get("status_history"))
        if not isinstance(history, dict):
            raise _Reply(
                400, _error('"%fieldName" is required. Enter and try again.', {"fieldName": "statusHistory"})
            )
        try:
            history = magento_schema.converted_input("sales-data-order-status-history-interface", history)
        except magento_schema.InputTypeError as exc:
            raise _Reply(400, _error(str(exc))) from exc
        except magento_schema.UnsupportedMember as exc:
            raise _Reply(400, _error(magento_schema.NOT_SUPPORTED, {"fieldName": exc.accessor})) from exc
        self.store.add_comment(entity_id, history, self.magento_version)
        return True

    def _do_order_action(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        entity_id = _entity_id(args["id"])
        action = {"hold": self.store.hold, "unhold": self.store.unhold, "cancel": self.store.cancel}
        return action[args["action"]](entity_id)

    def _do_admin_token(self, args: dict[str, str], params: PhpArray, body: bytes) -> Any:
        payload = _json_body(body)
        user, password = payload.get("username"), payload.get("password")
        if not isinstance(user, str) or self.admin_users.get(user) != password:
            message = (
                "The account sign-in was incorrect or your account is disabled temporarily. "
                "Please wait and try again later."
            )
            raise _Reply(401, {"message": message})
        token = secrets.token_hex(16)
        with self._lock:
            self._admin_tokens.add(token)
        return token


def _send_reply(handler: _Handler, reply: _Reply) -> None:
    if isinstance(reply.body, bytes | str):
        data = reply.body.encode() if isinstance(reply.body, str) else reply.body
        content_type = "text/html; charset=UTF-8"
    else:
        data = json.dumps(reply.body).encode()
        content_type = "application/json; charset=utf-8"
    handler.send(reply.status, data, content_type, reply.headers)


def _new_report_id() -> str:
    return f"webapi-{secrets.token_hex(8)}"


def _internal_error(report_id: str) -> _Reply:
    """Magento's 500 outside developer mode: the details are only in its log, under ``report_id``."""
    message = f"Internal Error. Details are available in Magento log file. Report ID: {report_id}"
    return _Reply(500, {"message": message})


def _error(message: str, parameters: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    return body


def _entity_id(text: str) -> int:
    if not text.isdigit():
        raise _Reply(400, _error(_ID_TYPE_ERROR, [text]))
    return int(text)


# Webapi\Rest\Request::getContentType, then the deserializer the media type names (exactly).
_CONTENT_TYPE = re.compile(r"([a-z\d/\-+.]+)(?:; *charset=(.+?))?", re.IGNORECASE)


def _check_content_type(header: str) -> None:
    """Magento's 400s for a body it cannot read: no Content-Type, one it cannot parse, a charset
    other than UTF-8, a media type it has no deserializer for. (XML it reads; the sandbox does not.)"""
    if not header:
        raise _Reply(400, _error("Content-Type header is empty."))
    match = _CONTENT_TYPE.fullmatch(header)
    if match is None:
        raise _Reply(400, _error("Content-Type header is invalid."))
    if match.group(2) is not None and match.group(2).lower() != "utf-8":
        raise _Reply(400, _error("UTF-8 is the only supported charset."))
    if match.group(1) in ("application/xml", "text/xml"):
        raise _Reply(400, _error("The sandbox does not model XML request bodies."))
    if match.group(1) != "application/json":
        not_understood = "Server cannot understand Content-Type HTTP header media type %1"
        raise _Reply(400, _error(not_understood, [match.group(1)]))


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError as exc:
        raise _Reply(400, _error("Decoding error: %1", [str(exc)])) from exc
    if not isinstance(payload, dict):
        raise _Reply(400, _error("Decoding error: %1", ["the request body is not an object"]))
    return payload


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive plumbing; the sandbox decides every answer."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, without a delayed-ACK stall
    sandbox: MagentoSandbox

    def do_GET(self) -> None:
        self.sandbox.handle(self)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(
        self, status: int, data: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): nothing to do
            self.close_connection = True

    def drop(self) -> None:
        """Close the connection without answering (a crashed PHP worker, a proxy reset)."""
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox keeps its own request log."""


def _handler_class(sandbox: MagentoSandbox) -> type[_Handler]:
    return type("MagentoSandboxHandler", (_Handler,), {"sandbox": sandbox})
