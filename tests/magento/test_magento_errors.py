"""Magento error bodies rendered into one line with placeholders filled."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from c5attn.magento.errors import error_body_message, error_from_response, render_message

FIXTURES = Path(__file__).parent / "fixtures"


def test_list_parameters_fill_numbered_placeholders() -> None:
    body = json.loads((FIXTURES / "error-400-response.json").read_text(encoding="utf-8"))
    assert error_body_message(body) == "Invalid product data: Invalid attribute set entity type"


def test_dict_parameters_fill_named_placeholders_and_unknown_ones_stay() -> None:
    message = "No such entity with %fieldName = %fieldValue (%other)"
    assert (
        render_message(message, {"fieldName": "id", "fieldValue": 88})
        == "No such entity with id = 88 (%other)"
    )
    assert render_message("%1 of %2", ["a"]) == "a of %2"
    assert render_message("%1 stays", None) == "%1 stays"


def test_nested_errors_are_appended_and_the_result_is_one_line() -> None:
    body = {
        "message": "Validation failed:\n%1",
        "parameters": ["two\nlines"],
        "errors": [{"message": "%fieldName is wrong", "parameters": {"fieldName": "sku"}}],
    }
    assert error_body_message(body) == "Validation failed: two lines; sku is wrong"


def test_non_error_bodies_are_not_messages() -> None:
    assert error_body_message(["not", "an", "object"]) is None
    assert error_body_message({"items": []}) is None


def test_a_rate_limit_answered_with_an_html_page_says_so() -> None:
    """Not "check magento_url": a proxy's 429 page is still a rate limit."""
    response = requests.Response()
    response.status_code = 429
    response._content = b"<html><body>Too Many Requests</body></html>"
    response.headers["Content-Type"] = "text/html"
    error = error_from_response(response, "flagging order 000000001")
    assert "rate-limiting" in (error.hint or "") and "magento_url" not in (error.hint or "")


def test_a_long_magento_message_is_cut_once_and_says_its_own_length() -> None:
    """It was cut at 300 characters, then again with the request's name in front, and the
    second cut counted the first one's text: "… (346 characters)" for a 1,000-character message."""
    response = requests.Response()
    response.status_code = 400
    response._content = json.dumps({"message": "x" * 1000}).encode()
    response.headers["Content-Type"] = "application/json"
    error = error_from_response(response, "flagging order 000000001")
    what = "flagging order 000000001: "
    assert error.message == f"{what}{'x' * (300 - len(what))}… ({len(what) + 1000:,} characters)"
