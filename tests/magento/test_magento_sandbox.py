"""The Magento sandbox over real HTTP, driven by plain ``requests`` with Magento's query syntax."""

from __future__ import annotations

import math
import re
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from magento_factory import make_item, make_order, make_orders, site_for

from c5attn.errors import MagentoError
from c5attn.magento.search import Filter, FilterGroup, SearchCriteria, SortOrder
from c5attn.sandbox.magento_server import MagentoSandbox, parse_faults

TOKEN = "sandbox-token"
Factory = Callable[..., MagentoSandbox]


def call(
    sandbox: MagentoSandbox,
    method: str,
    path: str,
    *,
    token: str | None = TOKEN,
    params: Any = None,
    json_body: Any = None,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(
        method,
        f"{sandbox.url}/rest/default/V1{path}",
        params=params,
        json=json_body,
        headers=headers,
        timeout=10,
    )


def search(sandbox: MagentoSandbox, criteria: SearchCriteria, **extra: str) -> dict[str, Any]:
    response = call(sandbox, "GET", "/orders", params={**criteria.to_params(), **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [item["entity_id"] for item in body["items"]]


@pytest.fixture
def four(sandbox_factory: Factory) -> MagentoSandbox:
    return sandbox_factory(
        [
            make_order(1, status="pending", grand_total=10, customer_email="a@x.com", applied_rule_ids="1,2"),
            make_order(
                2, status="processing", grand_total=20.5, customer_email="b@y.com", applied_rule_ids="2"
            ),
            make_order(3, status="complete", grand_total=30, customer_email="c@x.com", applied_rule_ids=None),
            make_order(
                4, status="canceled", grand_total=5, customer_email="d@z.org", applied_rule_ids="3,10"
            ),
        ]
    )


@pytest.mark.parametrize(
    ("field", "condition", "value", "expected"),
    [
        ("grand_total", "eq", "20.5", [2]),
        ("grand_total", "neq", "10", [2, 3, 4]),
        ("grand_total", "gt", "9", [1, 2, 3]),  # numbers compare as numbers, not text
        ("grand_total", "gteq", "10", [1, 2, 3]),
        ("grand_total", "lt", "10", [4]),
        ("grand_total", "lteq", "10", [1, 4]),
        ("grand_total", "from", "20.5", [2, 3]),
        ("grand_total", "to", "10", [1, 4]),
        ("grand_total", "in", "5,30", [3, 4]),
        ("grand_total", "nin", "5,30", [1, 2]),
        ("customer_email", "like", "%@x.com", [1, 3]),
        ("customer_email", "nlike", "%@x.com", [2, 4]),
        ("applied_rule_ids", "finset", "2", [1, 2]),
        ("applied_rule_ids", "nfinset", "2", [4]),  # NULL matches neither, as in MySQL
        ("applied_rule_ids", "null", "", [3]),
        ("applied_rule_ids", "notnull", "", [1, 2, 4]),
        ("entity_id", "lt", "10", [1, 2, 3, 4]),  # indexed integer column: numeric too
        ("entity_id", "in", "1,3", [1, 3]),
        ("status", "in", "pending,complete", [1, 3]),
        ("status", "eq", "complete", [3]),
        ("increment_id", "like", "10000000%", [1, 2, 3, 4]),
    ],
)
def test_every_condition_type(
    four: MagentoSandbox, field: str, condition: str, value: str, expected: list[int]
) -> None:
    body = search(four, SearchCriteria([FilterGroup([Filter(field, value, condition)])]))
    assert ids(body) == expected
    assert body["total_count"] == len(expected)


@pytest.mark.parametrize(
    ("field", "condition", "value", "expected"),
    [
        ("status", "seq", "complete", [3]),
        ("applied_rule_ids", "seq", "", [3]),  # an empty string means NULL
        ("status", "sneq", "complete", [1, 2, 4]),
        ("applied_rule_ids", "sneq", "", [1, 2, 4]),
        ("status", "around", "complete", [3]),  # a condition MySQL's adapter does not know: "="
        ("grand_total", "moreq", "20.5", [2]),  # in Adobe's docs, not in the adapter: "=" too
    ],
)
def test_conditions_the_client_never_sends(
    four: MagentoSandbox, field: str, condition: str, value: str, expected: list[int]
) -> None:
    prefix = "searchCriteria[filterGroups][0][filters][0]"
    params = {f"{prefix}[field]": field, f"{prefix}[value]": value, f"{prefix}[conditionType]": condition}
    response = call(four, "GET", "/orders", params=params)
    assert ids(response.json()) == expected


def test_a_condition_the_sandbox_does_not_model_is_refused(four: MagentoSandbox) -> None:
    prefix = "searchCriteria[filterGroups][0][filters][0]"
    params = {f"{prefix}[field]": "status", f"{prefix}[value]": "^c", f"{prefix}[conditionType]": "regexp"}
    response = call(four, "GET", "/orders", params=params)
    assert response.status_code == 400
    assert response.json()["parameters"] == ["regexp"]


def test_or_within_a_group_and_across_groups(four: MagentoSandbox) -> None:
    either = FilterGroup([Filter("status", "pending"), Filter("grand_total", "20", "gt")])
    assert ids(search(four, SearchCriteria([either]))) == [1, 2, 3]
    assert ids(
        search(four, SearchCriteria([either, FilterGroup([Filter("customer_email", "%@x.com", "like")])]))
    ) == [1, 3]


def test_sort_orders_and_snake_case_queries(four: MagentoSandbox) -> None:
    body = search(four, SearchCriteria(sort_orders=[SortOrder("grand_total", "DESC")]))
    assert ids(body) == [3, 2, 1, 4]
    snake = {
        "searchCriteria[filter_groups][0][filters][0][field]": "status",
        "searchCriteria[filter_groups][0][filters][0][value]": "canceled",
        "searchCriteria[sort_orders][0][field]": "entity_id",
        "searchCriteria[sort_orders][0][direction]": "ASC",
    }
    body = call(four, "GET", "/orders", params=snake).json()
    assert ids(body) == [4]
    assert body["search_criteria"]["filter_groups"] == [
        {"filters": [{"field": "status", "value": "canceled", "condition_type": "eq"}]}
    ]


@pytest.mark.parametrize(
    ("field", "condition", "value", "expected"),
    [
        ("status", "eq", "PENDING", [1]),  # an indexed column
        ("status", "in", "Complete,CANCELED", [3, 4]),
        ("customer_email", "eq", "B@Y.COM", [2]),  # a column read from the JSON
        ("applied_rule_ids", "finset", "1", [1]),
        ("created_at", "eq", "2025-06-04T10:00:00", [3]),  # MySQL reads a "T" time too
        ("created_at", "lt", "2025-06-04", [1, 2]),  # and a bare date as its midnight
    ],
)
def test_text_compares_as_magentos_tables_do_case_and_time_forms_aside(
    four: MagentoSandbox, field: str, condition: str, value: str, expected: list[int]
) -> None:
    """The sales tables' collation is case-insensitive (``*_general_ci``), and MySQL reads a
    datetime written with a "T" or as a date: the sandbox found no order for "PENDING"."""
    body = search(four, SearchCriteria([FilterGroup([Filter(field, value, condition)])]))
    assert ids(body) == expected


def test_an_order_number_typed_in_another_case_is_found(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory([make_order(1, increment_id="WA0000001"), make_order(2)])
    body = search(sandbox, SearchCriteria([FilterGroup([Filter("increment_id", "wa0000001")])]))
    assert ids(body) == [1] and body["items"][0]["increment_id"] == "WA0000001"


@pytest.mark.parametrize(
    ("criteria", "logged"),
    [
        (SearchCriteria([FilterGroup([Filter("nosuchfield", "x")])]), "'nosuchfield' in 'where clause'"),
        (SearchCriteria([FilterGroup([Filter("payment", "x")])]), "'payment' in 'where clause'"),
        (SearchCriteria(sort_orders=[SortOrder("items", "ASC")]), "'items' in 'order clause'"),
    ],
    ids=["unknown", "an-object-member", "sorted-by-a-list"],
)
def test_a_field_that_is_no_column_is_magentos_500_not_an_empty_result(
    four: MagentoSandbox, criteria: SearchCriteria, logged: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """MySQL refuses the unknown column (1054) and Magento answers its 500 (magento2#12790): a typo
    in a filter must not pass the sandbox as "no orders found". A scalar member that is not one of
    the sandbox's indexed columns (grand_total, customer_email) still filters: see above."""
    response = call(four, "GET", "/orders", params=criteria.to_params())
    assert response.status_code == 500
    assert response.json()["message"].startswith("Internal Error. Details are available in Magento log file.")
    err = capsys.readouterr().err
    assert f"Unknown column {logged}" in err and "Traceback" not in err


def test_a_page_past_the_end_repeats_the_last_page(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory(make_orders(25))
    criteria = SearchCriteria(sort_orders=[SortOrder("entity_id", "ASC")])
    last = search(sandbox, criteria.with_page(10, 3))
    beyond = search(sandbox, criteria.with_page(10, 7))
    assert ids(last) == ids(beyond) == list(range(21, 26))
    assert beyond["search_criteria"]["current_page"] == 7  # the echo shows what was asked
    assert beyond["total_count"] == 25
    assert ids(search(sandbox, criteria.with_page(10, 0))) == list(range(1, 11))


def test_fields_drop_total_count_unless_named(four: MagentoSandbox) -> None:
    criteria = SearchCriteria(page_size=2, current_page=1)
    assert search(four, criteria, fields="items[entity_id,payment[method]]") == {
        "items": [
            {"entity_id": 1, "payment": {"method": "checkmo"}},
            {"entity_id": 2, "payment": {"method": "checkmo"}},
        ]
    }
    assert search(four, criteria, fields="items[increment_id],total_count") == {
        "items": [{"increment_id": "100000001"}, {"increment_id": "100000002"}],
        "total_count": 4,
    }
    assert search(four, criteria, fields="items[entity_id") == []  # type: ignore[comparison-overlap]


def test_fields_that_keep_nothing_answer_null_or_an_empty_array(four: MagentoSandbox) -> None:
    """Magento's filter turns an empty list filtered with brackets into null (an empty search's
    ``items``), and an object that keeps nothing into PHP's empty array, ``[]``."""
    none = SearchCriteria([FilterGroup([Filter("status", "no-such-status")])], page_size=2, current_page=1)
    assert search(four, none, fields="items[entity_id],total_count") == {"items": None, "total_count": 0}
    answer = call(four, "GET", "/orders/1", params={"fields": "no_such_field"})
    assert answer.status_code == 200 and answer.json() == []
    assert call(four, "GET", "/orders/1", params={"fields": "payment[no_such]"}).json() == {"payment": []}


@pytest.mark.parametrize("falsy", ["", "0"])
def test_an_empty_fields_parameter_is_ignored(four: MagentoSandbox, falsy: str) -> None:
    """Magento filters only when ``fields`` is truthy in PHP: ``fields=`` answers the whole object."""
    whole = call(four, "GET", "/orders/1").json()
    assert call(four, "GET", "/orders/1", params={"fields": falsy}).json() == whole
    criteria = SearchCriteria(page_size=2, current_page=1)
    assert search(four, criteria, fields=falsy) == search(four, criteria)


def test_page_size_limit_and_missing_search_criteria(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory(make_orders(30), max_page_size=25)
    response = call(sandbox, "GET", "/orders", params=SearchCriteria(page_size=26).to_params())
    assert response.status_code == 400
    refusal = {"message": "Maximum SearchCriteria pageSize is %max", "parameters": {"max": 25}}
    assert response.json() == refusal
    unpaged = search(sandbox, SearchCriteria([FilterGroup([Filter("entity_id", "0", "gt")])]))
    assert len(unpaged["items"]) == 20 and unpaged["total_count"] == 30  # the silent default page size
    missing = call(sandbox, "GET", "/orders")
    assert missing.status_code == 400
    assert missing.json()["parameters"] == {"fieldName": "searchCriteria"}


def test_not_found_shapes(four: MagentoSandbox) -> None:
    missing = call(four, "GET", "/orders/999")
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "The entity that was requested doesn't exist. Verify the entity and try again."
    }
    route = call(four, "GET", "/nothing/here")
    assert (route.status_code, route.json()) == (404, {"message": "Request does not match any route."})
    assert call(four, "DELETE", "/orders/1").status_code == 404
    bad_id = call(four, "GET", "/orders/abc")
    assert bad_id.status_code == 400 and bad_id.json()["parameters"] == ["abc"]
    assert requests.get(f"{four.url}/elsewhere", timeout=5).status_code == 404


def test_an_unexpected_failure_is_magentos_500_not_a_dropped_connection(
    four: MagentoSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug in a handler answers as Magento does outside developer mode, with the traceback on
    stderr: a dropped connection is the ``drop`` fault, which clients treat differently."""

    def broken(entity_id: int) -> dict[str, Any]:
        raise RuntimeError("a sandbox bug")

    monkeypatch.setattr(four.store, "get_order", broken)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        response = session.get(f"{four.url}/rest/default/V1/orders/1", timeout=10)
        assert response.status_code == 500
        found = re.fullmatch(
            r"Internal Error\. Details are available in Magento log file\. Report ID: (webapi-[0-9a-f]+)",
            response.json()["message"],
        )
        assert found is not None
        again = session.get(f"{four.url}/rest/default/V1/orders/1/comments", timeout=10)
        assert again.status_code == 200  # the connection is still usable
    logged = capsys.readouterr().err
    assert found.group(1) in logged and "RuntimeError: a sandbox bug" in logged


@pytest.mark.parametrize("latency_ms", [-5.0, math.nan, math.inf])
def test_a_latency_that_cannot_be_slept_is_refused_before_serving(
    sandbox_factory: Factory, latency_ms: float
) -> None:
    """It was accepted, and then every request failed in ``time.sleep``."""
    with pytest.raises(ValueError, match="the latency must be from 0 to 60000 ms"):
        sandbox_factory([make_order(1)], latency_ms=latency_ms)


def test_bearer_auth_and_magento_401_body(four: MagentoSandbox) -> None:
    for token in (None, "wrong"):
        response = call(four, "GET", "/orders/1", token=token)
        assert response.status_code == 401
        assert response.json() == {
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Sales::actions_view"},
        }
    assert call(four, "POST", "/orders/1/hold", token="wrong").json()["parameters"] == {
        "resources": "Magento_Sales::hold"
    }
    version = requests.get(f"{four.url}/magento_version", timeout=5)
    assert (version.status_code, version.text) == (200, "Magento/2.4 (Community)")  # no auth needed


def test_admin_token_login_and_expiry(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory(make_orders(1), admin_users={"alice": "s3cret"})
    refused = call(
        sandbox,
        "POST",
        "/integration/admin/token",
        token=None,
        json_body={"username": "alice", "password": "nope"},
    )
    assert refused.status_code == 401 and "sign-in was incorrect" in refused.json()["message"]
    token = call(
        sandbox,
        "POST",
        "/integration/admin/token",
        token=None,
        json_body={"username": "alice", "password": "s3cret"},
    ).json()
    assert isinstance(token, str) and token != TOKEN
    assert call(sandbox, "GET", "/orders/1", token=token).status_code == 200
    sandbox.expire_admin_tokens()
    assert call(sandbox, "GET", "/orders/1", token=token).status_code == 401


def _comment(
    sandbox: MagentoSandbox, order_id: int, status: str | None, text: str = "note"
) -> requests.Response:
    history: dict[str, Any] = {
        "parent_id": order_id,
        "comment": text,
        "is_customer_notified": 0,
        "is_visible_on_front": 0,
    }
    if status is not None:
        history["status"] = status
    return call(sandbox, "POST", f"/orders/{order_id}/comments", json_body={"statusHistory": history})


@pytest.mark.parametrize(
    ("version", "status", "http_status", "final_status"),
    [
        ("2.4.8", "needs_attention", 200, "needs_attention"),  # assigned to processing: applied
        ("2.4.8", "complete", 400, "processing"),  # another state's status: refused
        ("2.4.7", "needs_attention", 200, "processing"),  # GA: silently ignored
        ("2.4.6", "complete", 200, "complete"),  # anything goes
        ("2.4.8", None, 200, "processing"),  # no status: comment only
    ],
)
def test_comment_status_rule_per_build(
    sandbox_factory: Factory, version: str, status: str | None, http_status: int, final_status: str
) -> None:
    sandbox = sandbox_factory(
        [make_order(1, status="processing", updated_at="2020-01-01 00:00:00")], magento_version=version
    )
    response = _comment(sandbox, 1, status)
    assert response.status_code == http_status
    order = call(sandbox, "GET", "/orders/1").json()
    assert order["status"] == final_status and order["state"] == "processing"
    if http_status == 400:
        assert response.json() == {
            "message": 'Unable to add comment: The status "%1" is not part of the order status history.',
            "parameters": [status],
        }
        assert order["status_histories"] == [] and order["updated_at"] == "2020-01-01 00:00:00"
    else:
        assert response.json() is True
        (entry,) = order["status_histories"]
        assert entry["comment"] == "note" and entry["parent_id"] == 1 and entry["entity_name"] == "order"
        assert entry["is_customer_notified"] == 0 and entry["is_visible_on_front"] == 0
        assert order["updated_at"] > "2020-01-01 00:00:00"


def test_current_build_refuses_even_the_orders_own_status_when_its_state_lacks_it(
    sandbox_factory: Factory,
) -> None:
    """OrderService::addComment checks the status against getStateStatuses(state) alone: an order
    left at "pending" in state processing cannot be commented with "pending" (the order's own)."""
    sandbox = sandbox_factory([make_order(1, status="pending", state="processing")])
    response = _comment(sandbox, 1, "pending")
    assert response.status_code == 400 and response.json()["parameters"] == ["pending"]
    assert call(sandbox, "GET", "/orders/1").json().get("status_histories", []) == []


@pytest.mark.parametrize(
    ("member", "value", "refused", "expected_type"),
    [
        ("is_customer_notified", "yes", "yes", "int"),
        ("is_visible_on_front", True, "1", "int"),  # PHP's is_numeric(true) is false
        ("parent_id", [1], "array", "int"),
        ("status", ["pending"], "array", "string"),
        ("comment", {"text": "x"}, "array", "string"),
    ],
)
def test_a_comment_member_of_the_wrong_type_is_magentos_400(
    sandbox_factory: Factory, member: str, value: Any, refused: str, expected_type: str
) -> None:
    """Magento converts the body to the interface's types before the service runs; a value it
    cannot convert is a 400 with its rendered message, and nothing is saved."""
    sandbox = sandbox_factory([make_order(1, status="pending")])
    history = {"parent_id": 1, "comment": "x", "is_customer_notified": 0, "is_visible_on_front": 0}
    response = call(
        sandbox, "POST", "/orders/1/comments", json_body={"statusHistory": {**history, member: value}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": f'Error occurred during "{member}" processing. The "{refused}" value\'s type is '
        f'invalid. The "{expected_type}" type was expected. Verify and try again.'
    }
    assert call(sandbox, "GET", "/orders/1/comments").json()["total_count"] == 0


def test_a_comment_member_the_interface_lacks_is_magentos_400(sandbox_factory: Factory) -> None:
    """ServiceInputProcessor finds no accessor for it: refused, and nothing is saved (the sandbox
    passed it through); a member sent in camelCase has its accessor and is taken."""
    sandbox = sandbox_factory([make_order(1, status="pending")])
    body = {"statusHistory": {"comment": "x", "is_customer_notified": 0, "foo_bar": 1}}
    response = call(sandbox, "POST", "/orders/1/comments", json_body=body)
    assert response.status_code == 400
    assert response.json() == {
        "message": '"%fieldName" is not supported. Correct the field name and try again.',
        "parameters": {"fieldName": "FooBar"},
    }
    assert call(sandbox, "GET", "/orders/1/comments").json()["total_count"] == 0
    camel = {"statusHistory": {"comment": "x", "isVisibleOnFront": "1"}}
    assert call(sandbox, "POST", "/orders/1/comments", json_body=camel).status_code == 200
    (saved,) = call(sandbox, "GET", "/orders/1/comments").json()["items"]
    assert saved["is_visible_on_front"] == 1  # under the schema's name, converted to its type


@pytest.mark.parametrize(
    ("content_type", "message", "parameters"),
    [
        (None, "Content-Type header is empty.", None),
        ("json please", "Content-Type header is invalid.", None),
        ("application/json; charset=latin1", "UTF-8 is the only supported charset.", None),
        ("text/plain", "Server cannot understand Content-Type HTTP header media type %1", ["text/plain"]),
    ],
)
def test_a_body_magento_cannot_read_by_its_content_type_is_a_400(
    sandbox_factory: Factory, content_type: str | None, message: str, parameters: list[str] | None
) -> None:
    """As Webapi's Request::getContentType and its deserializer factory answer (the sandbox read
    any body as JSON): a client that stopped sending JSON's Content-Type would fail here first."""
    sandbox = sandbox_factory([make_order(1, status="pending")])
    headers = {"Authorization": f"Bearer {TOKEN}"} | ({"Content-Type": content_type} if content_type else {})
    url, body = f"{sandbox.url}/rest/default/V1/orders/1/comments", b'{"statusHistory": {"comment": "x"}}'
    response = requests.post(url, data=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert response.json() == {"message": message, **({"parameters": parameters} if parameters else {})}
    assert call(sandbox, "GET", "/orders/1/comments").json()["total_count"] == 0
    fine = {**headers, "Content-Type": "application/json;charset=UTF-8"}
    assert requests.post(url, data=body, headers=fine, timeout=10).status_code == 200


def test_comment_members_are_converted_to_their_types(sandbox_factory: Factory) -> None:
    """Numeric text and numbers become integers, scalars become strings, as PHP's settype does."""
    sandbox = sandbox_factory([make_order(1, status="pending")])
    history = {"parent_id": "1", "comment": 42, "is_customer_notified": " 1 ", "is_visible_on_front": 1.9}
    assert call(sandbox, "POST", "/orders/1/comments", json_body={"statusHistory": history}).json() is True
    (entry,) = call(sandbox, "GET", "/orders/1/comments").json()["items"]
    assert (entry["comment"], entry["is_customer_notified"], entry["is_visible_on_front"]) == ("42", 1, 1)
    without_text = {"parent_id": 1, "comment": None, "is_customer_notified": 0, "is_visible_on_front": 0}
    assert call(sandbox, "POST", "/orders/1/comments", json_body={"statusHistory": without_text}).ok
    newest = call(sandbox, "GET", "/orders/1").json()["status_histories"][0]
    assert newest["comment"] is None  # a required member without a value is sent as null


def test_comments_list_and_history_order(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory(
        [
            make_order(
                1,
                status="processing",
                status_histories=[
                    {
                        "entity_id": 40,
                        "parent_id": 1,
                        "comment": "imported",
                        "status": "processing",
                        "created_at": "2025-06-01 10:00:00",
                        "is_customer_notified": 0,
                        "is_visible_on_front": 0,
                        "entity_name": "order",
                    }
                ],
            )
        ]
    )
    _comment(sandbox, 1, "in_counterpoint", "second")
    listed = call(sandbox, "GET", "/orders/1/comments").json()
    assert [c["comment"] for c in listed["items"]] == ["imported", "second"]  # oldest first
    assert listed["items"][1]["entity_id"] == 41  # ids continue after the loaded ones
    assert listed["total_count"] == 2
    order = call(sandbox, "GET", "/orders/1").json()
    assert [c["comment"] for c in order["status_histories"]] == ["second", "imported"]  # newest first


def test_comments_of_a_missing_order_are_an_empty_list(four: MagentoSandbox) -> None:
    """Magento's getCommentsList searches the history by parent_id: no order, no comments, no 404."""
    response = call(four, "GET", "/orders/999/comments")
    assert response.status_code == 200
    body = response.json()
    assert (body["items"], body["total_count"]) == ([], 0)
    (group,) = body["search_criteria"]["filter_groups"]
    assert group["filters"][0]["field"] == "parent_id" and group["filters"][0]["value"] == "999"


def test_hold_unhold_cancel(sandbox_factory: Factory) -> None:
    invoiced = make_item(21, "PAID", qty=1, qty_invoiced=1)
    sandbox = sandbox_factory(
        [make_order(1, status="pending"), make_order(2, status="processing", items=[invoiced])]
    )
    assert call(sandbox, "POST", "/orders/1/hold").json() is True
    held = call(sandbox, "GET", "/orders/1").json()
    assert (held["state"], held["status"], held["hold_before_state"]) == ("holded", "holded", "new")
    assert call(sandbox, "POST", "/orders/1/hold").json() == {"message": "A hold action is not available."}
    assert call(sandbox, "POST", "/orders/1/unhold").json() is True
    assert call(sandbox, "POST", "/orders/1/unhold").status_code == 400
    released = call(sandbox, "GET", "/orders/1").json()
    assert (released["state"], released["status"]) == (
        "new",
        "pending",
    ) and "hold_before_state" not in released
    assert call(sandbox, "POST", "/orders/2/cancel").json() is False  # fully invoiced
    assert call(sandbox, "POST", "/orders/1/cancel").json() is True
    canceled = call(sandbox, "GET", "/orders/1").json()
    assert (canceled["state"], canceled["status"]) == ("canceled", "canceled")
    assert canceled["items"][0]["qty_canceled"] == 2
    assert (
        call(
            sandbox,
            "GET",
            "/orders",
            params=SearchCriteria([FilterGroup([Filter("state", "canceled")])]).to_params(),
        ).json()["total_count"]
        == 1
    )  # index updated


@pytest.mark.parametrize(("shipped", "state", "canceled_qty"), [(0, "processing", 1), (2, "complete", 0)])
def test_cancel_of_a_partly_invoiced_order_follows_magento(
    sandbox_factory: Factory, shipped: int, state: str, canceled_qty: int
) -> None:
    """Order::registerCancellation: invoiced units still to refund keep the order processing
    (complete when nothing would be left to ship), an item's qty_canceled becomes what was left to
    invoice and ship, and total_canceled is grand_total − total_paid."""
    item = make_item(11, "A", qty=2, price=10, qty_invoiced=1, qty_shipped=shipped)
    sandbox = sandbox_factory(
        [make_order(1, status="processing", items=[item], total_invoiced=10, total_paid=0)]
    )
    assert call(sandbox, "POST", "/orders/1/cancel").json() is True
    order = call(sandbox, "GET", "/orders/1").json()
    assert (order["state"], order["status"]) == (state, state)
    assert (order["total_canceled"], order["base_total_canceled"]) == (20, 20)
    assert order["items"][0]["qty_canceled"] == canceled_qty


def test_documents_are_derived_and_filterable_by_order_id(sandbox_factory: Factory) -> None:
    shipped = make_item(31, "BOX", qty=2, qty_invoiced=2, qty_shipped=1)
    sandbox = sandbox_factory(
        [make_order(1), make_order(3, status="processing", items=[shipped], total_invoiced=21, total_paid=21)]
    )
    for kind, expected in (("invoices", [2]), ("shipments", [1]), ("creditmemos", [])):
        criteria = SearchCriteria([FilterGroup([Filter("order_id", "3")])])
        body = call(sandbox, "GET", f"/{kind}", params=criteria.to_params()).json()
        assert [item["qty"] for doc in body["items"] for item in doc["items"]] == expected
        assert body["total_count"] == len(body["items"])
    assert (
        call(
            sandbox,
            "GET",
            "/invoices",
            params=SearchCriteria([FilterGroup([Filter("order_id", "1")])]).to_params(),
        ).json()["total_count"]
        == 0
    )


def test_faults_are_reproducible_from_the_seed(sandbox_factory: Factory) -> None:
    def statuses(seed: int) -> list[int]:
        sandbox = sandbox_factory(make_orders(2), faults="503:0.3,429:0.2,500:0.1", seed=seed)
        return [call(sandbox, "GET", "/orders/1").status_code for _ in range(30)]

    first, again = statuses(7), statuses(7)
    assert first == again
    assert {503, 429, 500, 200} <= set(first)
    assert statuses(8) != first


def test_fault_shapes_and_queued_faults(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory(make_orders(1))
    sandbox.fail_next("429", "503", "badjson", "drop")
    throttled = call(sandbox, "GET", "/orders/1")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    unavailable = call(sandbox, "GET", "/orders/1")
    assert unavailable.status_code == 503 and unavailable.text.startswith("<html>")
    garbled = call(sandbox, "GET", "/orders/1")
    assert garbled.status_code == 200
    with pytest.raises(ValueError):
        garbled.json()
    with pytest.raises(requests.ConnectionError):
        call(sandbox, "GET", "/orders/1")
    assert call(sandbox, "GET", "/orders/1").status_code == 200
    with pytest.raises(ValueError, match="KIND:RATE"):
        parse_faults("503")
    with pytest.raises(ValueError, match="more than 1"):
        parse_faults("503:0.7,drop:0.5")
    with pytest.raises(ValueError, match="not an HTTP status"):
        parse_faults("boom:0.1")


def test_latency_is_added_to_every_request(sandbox_factory: Factory) -> None:
    sandbox = sandbox_factory(make_orders(1), latency_ms=150)
    started = time.monotonic()
    call(sandbox, "GET", "/orders/1")
    assert time.monotonic() - started >= 0.15


def test_a_client_that_goes_away_is_no_traceback(
    four: MagentoSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scan stopped by Ctrl-C resets its connections: the sandbox says nothing about it."""
    for _ in range(3):
        client = socket.create_connection((four.host, four.port))
        client.sendall(b"GET /rest/V1/orders HTTP/1.1\r\n")  # half a request: the handler reads on
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # a reset, not a polite close
    time.sleep(0.3)
    assert requests.get(f"{four.url}/rest/V1/orders", timeout=5).status_code == 401  # still serving
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("store_codes", "path", "status"),
    [
        (("default",), "/rest/default/V1/orders/1", 200),
        (("default",), "/rest/all/V1/orders/1", 200),
        (("default",), "/rest/V1/orders/1", 200),
        (("default",), "/rest/us_en/V1/orders/1", 404),  # unknown: left in the path, no route
        (("us_en",), "/rest/us_en/V1/orders/1", 200),
        (("us_en",), "/rest/default/V1/orders/1", 404),
    ],
)
def test_only_a_store_code_the_store_knows_is_taken_from_the_path(
    sandbox_factory: Factory, store_codes: tuple[str, ...], path: str, status: int
) -> None:
    sandbox = sandbox_factory(make_orders(1), store_codes=store_codes)
    response = requests.get(f"{sandbox.url}{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"message": "Request does not match any route."}


def test_a_wrong_store_code_fails_the_client_with_the_setting_to_check(
    sandbox_factory: Factory, client_factory: Callable[..., Any]
) -> None:
    sandbox = sandbox_factory(make_orders(1))
    client = client_factory(site_for(sandbox.url, magento_store_code="us_en"))
    with pytest.raises(MagentoError) as caught:
        client.get_order(1)
    assert "magento_store_code" in (caught.value.hint or "")
