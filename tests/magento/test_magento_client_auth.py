"""Authentication: OAuth 1.0a signatures verified by the sandbox, admin tokens, redacted traces."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from magento_factory import TOKEN, make_order, make_orders, site_for

from c5attn.config import OAuthCredentials
from c5attn.errors import ConfigError, MagentoAuthError
from c5attn.magento.auth import redact
from c5attn.magento.client import MagentoClient
from c5attn.magento.search import Filter, FilterGroup
from c5attn.sandbox.magento_server import MagentoSandbox

ClientFactory = Callable[..., MagentoClient]
SandboxFactory = Callable[..., MagentoSandbox]
GOOD = OAuthCredentials("consumer-key", "consumer-secret", "access-token", "token-secret")


@pytest.fixture
def oauth_sandbox(sandbox_factory: SandboxFactory) -> MagentoSandbox:
    return sandbox_factory(
        [make_order(i, status="needs_attention" if i % 2 else "processing") for i in range(1, 8)],
        token="not-this-one",
        oauth_consumers={"consumer-key": "consumer-secret"},
        oauth_tokens={"access-token": "token-secret"},
    )


def test_oauth_signed_searches_and_writes_are_accepted(
    oauth_sandbox: MagentoSandbox, client_factory: ClientFactory
) -> None:
    client = client_factory(
        site_for(oauth_sandbox.url, magento_token=None, magento_oauth=GOOD, magento_page_size=2)
    )
    flagged = FilterGroup([Filter("status", "needs_attention"), Filter("increment_id", "x y/z%", "like")])
    assert [o.entity_id for o in client.iter_orders([flagged])] == [1, 3, 5, 7]
    client.add_comment(2, "signed write")
    assert [c.comment for c in client.get_comments(2)] == ["signed write"]


@pytest.mark.parametrize(
    "credentials",
    [
        OAuthCredentials("consumer-key", "WRONG-SECRET-1", "access-token", "token-secret"),
        OAuthCredentials("consumer-key", "consumer-secret", "access-token", "WRONG-SECRET-1"),
        OAuthCredentials("unknown-key", "consumer-secret", "access-token", "token-secret"),
    ],
)
def test_a_wrong_oauth_secret_gets_magento_401(
    oauth_sandbox: MagentoSandbox, client_factory: ClientFactory, credentials: OAuthCredentials
) -> None:
    client = client_factory(site_for(oauth_sandbox.url, magento_token=None, magento_oauth=credentials))
    with pytest.raises(
        MagentoAuthError, match="isn't authorized to access Magento_Sales::actions_view"
    ) as caught:
        client.get_order(1)
    assert "WRONG-SECRET-1" not in str(caught.value) and "token-secret" not in str(caught.value)


def test_admin_login_is_lazy_and_renewed_once_on_401(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(3), admin_users={"ops": "pa55word"})
    lines: list[str] = []
    client = client_factory(
        site_for(
            sandbox.url, magento_token=None, magento_admin_user="ops", magento_admin_password="pa55word"
        ),
        trace=lines.append,
    )
    assert client.request_count == 0
    client.get_order(1)
    client.get_order(2)
    assert client.request_count == 3 and sandbox.requests_to("POST", "/admin/token") == 1
    sandbox.expire_admin_tokens()
    assert client.get_order(3).entity_id == 3
    assert sandbox.requests_to("POST", "/admin/token") == 2
    assert client.request_count == 6  # the 401, the new login, the retried read
    assert lines and not any("pa55word" in line for line in lines)


def test_an_admin_login_that_meets_a_503_or_a_dropped_connection_is_retried(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(1), admin_users={"ops": "pa55word"})
    client = client_factory(
        site_for(sandbox.url, magento_token=None, magento_admin_user="ops", magento_admin_password="pa55word")
    )
    sandbox.fail_next("503", "drop", method="POST")
    assert client.get_order(1).entity_id == 1
    assert sandbox.requests_to("POST", "/admin/token") == 3


def test_wrong_admin_password(sandbox_factory: SandboxFactory, client_factory: ClientFactory) -> None:
    sandbox = sandbox_factory(make_orders(1), admin_users={"ops": "pa55word"})
    client = client_factory(
        site_for(sandbox.url, magento_token=None, magento_admin_user="ops", magento_admin_password="guess")
    )
    with pytest.raises(MagentoAuthError, match="sign-in was incorrect") as caught:
        client.get_order(1)
    assert "magento_admin_password" in (caught.value.hint or "") and "guess" not in str(caught.value)
    assert sandbox.requests_to("POST", "/admin/token") == 1  # no retry loop on bad credentials


def test_an_admin_login_refused_with_400_is_bad_credentials_too(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    """magento-api.md §5 (from the schema): 400 on bad credentials; the sandbox, like 2.4's webapi,
    answers 401. Either is an authentication failure, told the same way and never retried."""
    sandbox = sandbox_factory(make_orders(1), admin_users={"ops": "pa55word"})
    client = client_factory(
        site_for(sandbox.url, magento_token=None, magento_admin_user="ops", magento_admin_password="pa55word")
    )
    sandbox.fail_next("400", method="POST")
    with pytest.raises(MagentoAuthError) as caught:
        client.get_order(1)
    assert "magento_admin_password" in (caught.value.hint or "")
    assert sandbox.requests_to("POST", "/admin/token") == 1


def test_a_site_without_credentials_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="no Magento credentials"):
        MagentoClient(site_for("http://127.0.0.1:9", magento_token=None))


def test_traces_name_requests_but_never_secrets(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(2))
    lines: list[str] = []
    client = client_factory(site_for(sandbox.url), trace=lines.append)
    client.get_order(1)
    assert len(lines) == 1 and lines[0].startswith(f"GET {sandbox.url}/rest/default/V1/orders/1?fields=")
    assert "→ 200" in lines[0] and TOKEN not in lines[0]
    assert redact(f"Authorization: Bearer {TOKEN}", []) == "Authorization: Bearer ***"
    assert redact('OAuth oauth_signature="abc%3D", oauth_nonce="1"', []) == "OAuth ***"
    assert (
        redact("url?oauth_signature=abc&x=1 with s3cret", ["s3cret"])
        == "url?oauth_signature=***&x=1 with ***"
    )
