"""Magento's error answers → one-line ``c5attn.errors.Magento*`` exceptions with a hint.

Magento's error JSON keeps its placeholders (``%1`` or ``%name``) and sends the values apart in
``parameters``: a list fills ``%1..%n``, an object fills ``%key`` (magento-api.md §5, §8.12).
Bodies that are not JSON (a proxy's HTML page, a truncated answer) become ``MagentoServerError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import requests

from c5attn.errors import (
    MagentoAuthError,
    MagentoError,
    MagentoNotFound,
    MagentoServerError,
    MagentoValidationError,
)
from c5attn.wording import one_line

_PLACEHOLDER = re.compile(r"%(\d+|[A-Za-z_][A-Za-z0-9_]*)")
_MAX_MESSAGE = 300


def render_message(message: str, parameters: object = None) -> str:
    """Fill ``%1``/``%name`` placeholders from ``parameters`` (list or dict); unknown ones stay."""
    if isinstance(parameters, list):
        values = {str(i): value for i, value in enumerate(parameters, start=1)}
    elif isinstance(parameters, Mapping):
        values = {str(key): value for key, value in parameters.items()}
    else:
        return message

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(fill, message)


def looks_like_html(text: str, content_type: str = "") -> bool:
    """A web page (a proxy's, a login form) where Magento's JSON or text was expected."""
    return "html" in content_type or text.lstrip().startswith("<")


def excerpt(text: str, length: int) -> str:
    """What a body was, in a few words for a one-line message: "an HTML page", or its start."""
    return "an HTML page" if looks_like_html(text) else one_line(text, length)


def error_body_message(body: object) -> str | None:
    """The rendered ``message`` of a Magento error body on one line, or None when it is not one
    (whole: the error that quotes it cuts it once, so that the length it gives is the message's)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("message"), str):
        return None
    text = render_message(body["message"], body.get("parameters"))
    errors = body.get("errors")  # Magento's is a list; anything else adds nothing
    details = [
        render_message(err["message"], err.get("parameters"))
        for err in (errors if isinstance(errors, list) else ())
        if isinstance(err, Mapping) and isinstance(err.get("message"), str)
    ]
    return one_line("; ".join([text, *details]))


def describe_body(response: requests.Response) -> tuple[str | None, str]:
    """(Magento's rendered message or None, a short description of what the body was)."""
    content_type = response.headers.get("Content-Type", "")
    text = response.text
    if not text.strip():  # a gateway's bare 502/504, a body lost on the way: no JSON at all
        return None, "an empty answer"
    try:
        body: Any = json.loads(text)
    except ValueError:
        kind = "an HTML page" if looks_like_html(text, content_type) else "malformed JSON"
        return None, kind
    message = error_body_message(body)
    return message, "JSON" if message is not None else "JSON that is not a Magento error"


def _hint(status: int, message: str | None, login: bool) -> str:
    if status in (401, 403) or (login and status == 400):
        if login:
            return (
                "check magento_admin_user and magento_admin_password "
                "(two-factor authentication blocks admin tokens: use an integration)"
            )
        return (
            "the token is wrong or expired, or the integration lacks this ACL resource: check "
            "magento_token / magento_oauth (integration tokens used as Bearer need 2.4.4+'s "
            "'Allow OAuth Access Tokens to be used as standalone Bearer tokens')"
        )
    if status == 404:
        if message is None:  # Magento names what it did not find: this is another server
            return "the server did not answer as Magento's REST API does: check magento_url"
        if "route" in message.lower():
            return "check magento_url and magento_store_code"
        return "check the order number or id"
    if status == 429:
        return "Magento or a proxy in front of it is rate-limiting: wait and try again"
    if status >= 500:
        return "Magento failed on its side (see its exception log): try again later"
    return "Magento refused the request as sent"


def error_from_response(response: requests.Response, what: str, *, login: bool = False) -> MagentoError:
    """The typed exception for a non-2xx answer; ``what`` names the request (no secrets).

    ``login``: the answer to ``POST /V1/integration/admin/token``, where Magento reports bad
    credentials with a 400 or 401; both are an authentication failure.
    """
    status = response.status_code
    message, kind = describe_body(response)
    said = message if message is not None else f"HTTP {status} with {kind}"
    text = one_line(f"{what}: {said}", _MAX_MESSAGE)
    hint = _hint(status, message, login)
    if message is None and status < 500 and status != 429 and kind == "an HTML page":
        hint = "the server answered an HTML page, not Magento's REST JSON: check magento_url"
    cls: type[MagentoError]
    if status in (401, 403) or (login and status == 400):
        cls = MagentoAuthError
    elif status == 404:
        cls = MagentoNotFound
    elif status == 429 or status >= 500:
        cls = MagentoServerError
    else:
        cls = MagentoValidationError
    return cls(text, hint, status=status)


def bad_success_body(response: requests.Response, what: str) -> MagentoServerError:
    """A 2xx whose body is not the JSON Magento promises (HTML login page, truncated JSON)."""
    _, kind = describe_body(response)
    hint = (
        "the server answered an HTML page, not Magento's REST JSON: check magento_url"
        if kind == "an HTML page"
        else "the answer was cut off or garbled: try again; if it persists, check Magento's logs"
    )
    text = f"{what}: Magento answered HTTP {response.status_code} with {kind}"
    return MagentoServerError(text, hint, status=response.status_code)
