"""Site configuration: the typed settings every other module reads.

The attribute names are the TOML key names (a public contract, docs/configuration.md).
Loading, precedence and validation live in ``c5attn.settings_loader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _default_statuses() -> dict[str, str]:
    return {
        "needs_attention": "needs_attention",
        "in_counterpoint": "in_counterpoint",
        "completing": "completing",
        "confirmed_cancel": "confirmed_cancel",
    }


def _default_resolve_status() -> dict[str, str]:
    return {"processing": "processing", "complete": "complete", "canceled": "canceled", "closed": "closed"}


def _default_state_statuses() -> dict[str, list[str]]:
    return {
        "new": ["pending", "needs_attention"],
        "processing": ["processing", "in_counterpoint", "needs_attention"],
        "complete": ["complete", "completing", "needs_attention"],
        "canceled": ["canceled", "confirmed_cancel", "needs_attention"],
        "closed": ["closed", "needs_attention"],
        "holded": ["holded", "needs_attention"],
    }


@dataclass(frozen=True)
class OAuthCredentials:
    """Magento integration credentials for OAuth 1.0a (HMAC-SHA256) signing; secrets resolved."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


@dataclass(frozen=True)
class SiteConfig:
    """One Magento site and the Counterpoint database it is linked to.

    Secret fields hold the *resolved* secret; ``secret_refs`` keeps the reference text
    (``env:NAME`` …) so ``config show`` can say where a value came from without printing it.
    """

    name: str
    magento_url: str
    counterpoint_dsn: str
    magento_token: str | None = None
    magento_oauth: OAuthCredentials | None = None
    magento_admin_user: str | None = None
    magento_admin_password: str | None = None
    magento_store_code: str = "default"
    magento_store_ids: tuple[int, ...] = (1,)
    magento_verify_tls: bool = True
    magento_timeout_seconds: float = 30.0
    magento_page_size: int = 300
    counterpoint_store: str = "WEB"
    counterpoint_timezone: str = "UTC"
    counterpoint_timeout_seconds: int = 30
    order_number_column: str = "TKT_NO"
    web_pay_codes: tuple[str, ...] = ("WEB",)
    capture_grace_minutes: int = 60
    statuses: dict[str, str] = field(default_factory=_default_statuses)
    resolve_status: dict[str, str] = field(default_factory=_default_resolve_status)
    state_statuses: dict[str, list[str]] = field(default_factory=_default_state_statuses)
    rename: dict[str, str] = field(default_factory=dict)

    @property
    def needs_attention_status(self) -> str:
        return self.statuses["needs_attention"]

    def allowed_statuses(self, state: str) -> list[str]:
        """Statuses this store assigns to ``state`` (Magento has no API that lists them)."""
        return list(self.state_statuses.get(state, []))


@dataclass(frozen=True)
class Config:
    """The effective configuration: the operator and every site, with where it was read from."""

    operator: str
    sites: dict[str, SiteConfig]
    source: str | None = None  # the file read, or None for defaults / the embedded sandbox
