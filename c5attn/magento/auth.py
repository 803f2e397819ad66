"""How the client proves who it is to Magento, and how traces keep secrets out.

Three ways, in this order of preference when several are configured (magento-api.md §5):
OAuth 1.0a HMAC-SHA256 signing of every request (an Integration's four credentials), a bearer
token (integration or admin token), or an admin user and password exchanged lazily for an admin
token, renewed once when Magento answers 401 (tokens expire after an hour by default).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

import requests
from requests.auth import AuthBase

from c5attn.config import SiteConfig
from c5attn.errors import ConfigError


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class AdminTokenAuth(AuthBase):
    """An admin token obtained on first use by ``login(user, password)``; thread-safe.

    ``invalidate(token)`` forgets the token a 401 answered, so exactly one thread logs in again
    however many pages were in flight when it expired.
    """

    def __init__(self, user: str, password: str, login: Callable[[str, str], str]) -> None:
        self._user = user
        self._password = password
        self._login = login
        self._token: str | None = None
        self._lock = threading.Lock()

    def current_token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._login(self._user, self._password)
            return self._token

    def invalidate(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.current_token()}"
        return request

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self._password, self._token) if s]


def build_auth(site: SiteConfig, login: Callable[[str, str], str]) -> AuthBase:
    """The ``requests`` auth for the site's configured credentials."""
    if site.magento_oauth is not None:
        from requests_oauthlib import OAuth1

        oauth = site.magento_oauth
        auth: AuthBase = OAuth1(
            oauth.consumer_key,
            client_secret=oauth.consumer_secret,
            resource_owner_key=oauth.access_token,
            resource_owner_secret=oauth.access_token_secret,
            signature_method="HMAC-SHA256",
        )
        return auth
    if site.magento_token:
        return BearerAuth(site.magento_token)
    if site.magento_admin_user and site.magento_admin_password:
        return AdminTokenAuth(site.magento_admin_user, site.magento_admin_password, login)
    raise ConfigError(
        f"site {site.name!r} has no Magento credentials",
        "set magento_token, magento_oauth, or magento_admin_user and magento_admin_password",
    )


def site_secrets(site: SiteConfig) -> list[str]:
    """Every secret value of the site, for redaction."""
    values = [site.magento_token, site.magento_admin_password]
    if site.magento_oauth is not None:
        oauth = site.magento_oauth
        values += [oauth.consumer_secret, oauth.access_token, oauth.access_token_secret]
    return [v for v in values if v]


_AUTH_VALUE = re.compile(r"(Bearer\s+|OAuth\s+)\S.*", re.IGNORECASE)
_SIGNATURE = re.compile(r"(oauth_(?:signature|token|token_secret)(?:=|%3D)\"?)[^&\s,\"%]+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Hide secret values, Authorization values, OAuth tokens and signatures in a trace line."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _AUTH_VALUE.sub(r"\1***", text)
    return _SIGNATURE.sub(r"\1***", text)
