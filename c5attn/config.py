"""Site configuration: the typed settings every other module reads, and how they are loaded.

The attribute names are the TOML key names (a public contract, docs/configuration.md). One file
is read, the first found of ``--config``, ``C5ATTN_CONFIG``, ``./c5attn.toml`` and the user
config dir; values then layer flags > environment > file > defaults. Secrets are resolved at
load time, but a secret that cannot be resolved is kept as an error on its site and raised by
:func:`select_sites`, so one site's missing secret never stops work on another site and
``config show`` can still say what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from c5attn.controls import UNSHOWABLE, shown
from c5attn.counterpoint.names import DEFAULT_ORDER_NUMBER_COLUMN
from c5attn.errors import ConfigError
from c5attn.models import norm_code
from c5attn.secrets import SecretUnavailable, bearer_token, is_reference, redact_dsn, resolve_secret

APP_NAME = "c5attn"
CONFIG_FILE_NAME = "c5attn.toml"
MAX_PAGE_SIZE = 300  # Magento's default webapi/validation/maximum_page_size
OPERATOR_MAX_LENGTH = 30  # the width of DISMISSED_BY in Commerce5's error table
# Unicode's category Cc, and the bidirectional overrides and isolates, which reorder what follows
# them on screen ("jane\u202eetag" shows as "janegate").
_CONTROL_CHARACTER = re.compile(rf"{UNSHOWABLE.pattern}|[\t\n]")  # a name is one line, too
# A request slower than an hour is a hung server; far larger timeouts overflow the socket layer.
MAX_TIMEOUT_SECONDS = 3600
# A release left uninvoiced for 30 days has failed; far larger graces overflow the date arithmetic.
MAX_GRACE_MINUTES = 30 * 24 * 60
# A shop has a handful of web pay codes; doctor binds the list twice in one SQL Server statement.
MAX_WEB_PAY_CODES = 100
MAGENTO_STATES = ("new", "pending_payment", "processing", "complete", "closed", "canceled", "holded",
                  "payment_review")
DOCS_HINT = "docs/configuration.md describes every key; `c5attn config init --path FILE` writes a template."


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
    consumer_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)


@dataclass(frozen=True)
class SiteConfig:
    """One Magento site and the Counterpoint database it is linked to.

    Secret fields hold the *resolved* secret and never appear in ``repr``; ``secret_refs`` keeps
    the reference text (``env:NAME`` …) so ``config show`` can say where a value came from without
    printing it. A site from :func:`load_config` whose ``secret_errors`` is not empty has empty
    secrets: get sites through :func:`select_sites`, which raises those errors.
    """

    name: str
    magento_url: str
    counterpoint_dsn: str = field(repr=False)
    magento_token: str | None = field(default=None, repr=False)
    magento_oauth: OAuthCredentials | None = None
    magento_admin_user: str | None = None
    magento_admin_password: str | None = field(default=None, repr=False)
    magento_store_code: str = "default"
    magento_store_ids: tuple[int, ...] = (1,)
    magento_verify_tls: bool = True
    magento_timeout_seconds: float = 30.0
    magento_page_size: int = 300
    counterpoint_store: str = "WEB"
    counterpoint_timezone: str = "UTC"
    counterpoint_timeout_seconds: int = 30
    order_number_column: str = DEFAULT_ORDER_NUMBER_COLUMN
    web_pay_codes: tuple[str, ...] = ("WEB",)
    capture_grace_minutes: int = 60
    statuses: dict[str, str] = field(default_factory=_default_statuses)
    resolve_status: dict[str, str] = field(default_factory=_default_resolve_status)
    state_statuses: dict[str, list[str]] = field(default_factory=_default_state_statuses)
    rename: dict[str, str] = field(default_factory=dict)
    # key within the site ("magento_token", "magento_oauth.consumer_secret") -> reference text
    secret_refs: dict[str, str] = field(default_factory=dict)
    secret_errors: dict[str, SecretUnavailable] = field(default_factory=dict, repr=False, compare=False)

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
    site: str | None = None  # the site chosen with --site / C5ATTN_SITE; None: the only one, or all
    # dotted key ("operator", "sites.web.magento_url") -> "file PATH" | "env C5ATTN_…" | "flag"
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def file_origin(self) -> str | None:
        """The origin of the settings read from the file (``origins``' "file PATH"), if one was read."""
        return None if self.source is None else file_origin(self.source)


def file_origin(path: object) -> str:
    """The origin of a setting read from the configuration file at ``path``."""
    return f"file {path}"


_INTERNAL_FIELDS = ("name", "secret_refs", "secret_errors")
SITE_KEYS: tuple[str, ...] = tuple(f.name for f in fields(SiteConfig) if f.name not in _INTERNAL_FIELDS)
TOP_LEVEL_KEYS = ("operator", "sites")
OAUTH_KEYS: tuple[str, ...] = tuple(f.name for f in fields(OAuthCredentials))
SECRET_KEYS = ("counterpoint_dsn", "magento_token", "magento_admin_password", "magento_oauth.consumer_secret",
               "magento_oauth.access_token", "magento_oauth.access_token_secret")

# --- values ----------------------------------------------------------------------------------


class _Invalid(Exception):
    """A value that does not parse; ``subkey`` narrows the key for values inside a table."""

    def __init__(self, expected: str, subkey: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.subkey = subkey


def _kind(value: object) -> str:
    """The TOML type of a value, for messages (never the value itself, which may be a secret)."""
    if isinstance(value, bool):
        return "true/false"
    names = {str: "a string", int: "an integer", float: "a number", list: "an array", dict: "a table"}
    return names.get(type(value), "a date or time")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {_kind(value)}")
    if not value.strip():
        raise _Invalid("must not be empty")
    return value.strip()


def _integer(low: int, high: int | None = None) -> Callable[[object], int]:
    expected = f"an integer from {low} to {high}" if high is not None else f"an integer of at least {low}"

    def parse(value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Invalid(f"must be {expected}, not {_kind(value)}")
        if value < low or (high is not None and value > high):
            raise _Invalid(f"must be {expected}, not {value}")
        return value

    return parse


def _seconds(value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Invalid(f"must be a number of seconds, not {_kind(value)}")
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # also refuses nan, which compares false to anything
        raise _Invalid(f"must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS}, not {value}")
    return float(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, not {_kind(value)}")
    return value


def _url(value: object) -> str:
    from urllib.parse import urlsplit

    url = _text(value).rstrip("/")
    base = "must be the store's base URL, like https://shop.example.com"
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number from 0 to 65535 raises here
    except ValueError:  # "http://[::1": an unclosed or invalid IPv6 address
        raise _Invalid(base) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", url):
        raise _Invalid(base)
    if parts.username is not None or parts.password is not None:
        raise _Invalid("must not hold a user name or password (it would be shown in messages): "
                       "use magento_token, or magento_admin_user and magento_admin_password")
    if "?" in url or "#" in url or "\\" in url or port == 0:
        raise _Invalid(base)
    if re.search(r"/rest(/|$)", parts.path):
        raise _Invalid("must be the store's base URL without /rest/…; "
                       "c5attn adds /rest/{magento_store_code}/V1 itself")
    return url


def _same_magento(url: str) -> str:
    """The Magento a base URL reaches, however its scheme, host and default port are spelled."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    port = f":{parts.port}" if parts.port not in (None, default) else ""
    return f"{parts.scheme.lower()}://{parts.hostname}{port}{parts.path.rstrip('/')}"


def store_readers(sites: Iterable[SiteConfig]) -> dict[tuple[str, int], list[SiteConfig]]:
    """The sites that read each Magento store: (its Magento, however spelled, and store id) → sites;
    a site that lists a store twice (``magento_store_ids = [1, 1]``) reads it once."""
    readers: dict[tuple[str, int], list[SiteConfig]] = {}
    for site in sites:
        magento = _same_magento(site.magento_url)
        for store in dict.fromkeys(site.magento_store_ids):
            readers.setdefault((magento, store), []).append(site)
    return readers


STORE_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""Magento's rule for store codes: a letter, then letters, digits or _ ("all" is one too)."""


def _store_code(value: object) -> str:
    code = _text(value)
    if not STORE_CODE.fullmatch(code):
        raise _Invalid(f"must be a Magento store code (a letter, then letters, digits or _), not {code!r}")
    return code


def _timezone(value: object) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid(f"must be an IANA time zone name like America/Chicago or UTC, not {name!r}") from None
    return name


_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"


def _identifier(value: object) -> str:
    name = _text(value)
    if not re.fullmatch(_IDENTIFIER, name):
        raise _Invalid(f"must be a column name (letters, digits, _), not {name!r}")
    return name


def _array(
    item: Callable[[object], Any], what: str, most: int | None = None
) -> Callable[[object], tuple[Any, ...]]:
    def parse(value: object) -> tuple[Any, ...]:
        if not isinstance(value, list) or not value:
            raise _Invalid(f"must be a non-empty array of {what}")
        if most is not None and len(value) > most:
            raise _Invalid(f"must be an array of at most {most} {what}, not {len(value)}")
        try:
            return tuple(item(element) for element in value)
        except _Invalid as err:
            raise _Invalid(f"must be a non-empty array of {what}: an element {err.expected}") from None

    return parse


def _table(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"must be a table, not {_kind(value)}")
    return value


def _mapping(
    keys: Iterable[str] | None, item: Callable[[object], Any], defaults: Callable[[], dict[str, Any]]
) -> Callable[[object], dict[str, Any]]:
    """A table of ``keys`` (any key when None) whose given entries replace the defaults."""
    allowed = tuple(keys) if keys is not None else None

    def parse(value: object) -> dict[str, Any]:
        merged = defaults()
        for key, element in _table(value).items():
            if allowed is not None and key not in allowed:
                raise _Invalid(f"is not a known key here{_did_you_mean(key, allowed)}", key)
            try:
                merged[key] = item(element)
            except _Invalid as err:
                raise _Invalid(err.expected, key) from None
        return merged

    return parse


def _status_list(value: object) -> list[str]:
    return list(_array(_text, "status codes")(value))


def _rename_target(value: object) -> str:
    name = _text(value)
    if not re.fullmatch(rf"{_IDENTIFIER}(\.{_IDENTIFIER})?", name):
        raise _Invalid(f"must be a table or column name (letters, digits, _), not {name!r}")
    return name


def _rename(value: object) -> dict[str, str]:
    renamed = {}
    for key, target in _table(value).items():
        if not re.fullmatch(rf"{_IDENTIFIER}(\.{_IDENTIFIER})?", key):
            raise _Invalid('must name a TABLE or a TABLE.COLUMN, like "USER_C5_ORD_ERR.ORD_NO"', key)
        try:
            renamed[key] = _identifier(target) if "." in key else _rename_target(target)
        except _Invalid as err:
            raise _Invalid(err.expected, key) from None
    return renamed


_PARSERS: dict[str, Callable[[object], Any]] = {
    "magento_url": _url,
    "counterpoint_dsn": _text,
    "magento_token": _text,
    "magento_oauth": _table,  # checked key by key in _Loader.site, its secrets resolved there
    "magento_admin_user": _text,
    "magento_admin_password": _text,
    "magento_store_code": _store_code,
    "magento_store_ids": _array(_integer(0), "store ids (integers)"),
    "magento_verify_tls": _flag,
    "magento_timeout_seconds": _seconds,
    "magento_page_size": _integer(1, MAX_PAGE_SIZE),
    "counterpoint_store": _text,
    "counterpoint_timezone": _timezone,
    "counterpoint_timeout_seconds": _integer(1),
    "order_number_column": _identifier,
    "web_pay_codes": _array(_text, "pay codes (strings)", most=MAX_WEB_PAY_CODES),
    "capture_grace_minutes": _integer(0, MAX_GRACE_MINUTES),
    "statuses": _mapping(_default_statuses(), _text, _default_statuses),
    "resolve_status": _mapping(MAGENTO_STATES, _text, _default_resolve_status),
    "state_statuses": _mapping(MAGENTO_STATES, _status_list, _default_state_statuses),
    "rename": _rename,
}
_REQUIRED = {
    "magento_url": "the store's base URL, like https://shop.example.com",
    "counterpoint_dsn": "an ODBC connection string or sqlite:///path, usually as env:CP_DSN",
}
REQUIRED_SITE_KEYS = tuple(_REQUIRED)
"""The site keys without a default: every configuration sets them."""


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    import difflib

    names = list(known)
    same_letters = [name for name in names if name.casefold() == key.casefold()]  # "WEB" for "web"
    close = same_letters or difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


# --- loading ---------------------------------------------------------------------------------


def user_config_file() -> Path:
    """The per-user configuration file (platformdirs), the last place searched."""
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def state_dir(env: Mapping[str, str]) -> Path:
    """Where state lives (audit log, locks, sandbox data): ``C5ATTN_HOME`` or the user data dir.
    A file there is refused (``log`` read it as an empty audit log), a missing folder is not."""
    if env.get("C5ATTN_HOME"):
        directory = Path(env["C5ATTN_HOME"]).expanduser()
    else:
        import platformdirs

        directory = platformdirs.user_data_path(APP_NAME, appauthor=False)
    if directory.exists() and not directory.is_dir():
        raise _unusable_state_dir(directory, "it is a file, not a folder", env)
    return directory


def create_state_dir(env: Mapping[str, str]) -> Path:
    """The state folder, created if missing, for a command about to write there. One that cannot
    be (``C5ATTN_HOME`` names a file, or a folder c5attn may not create) is refused with one line
    before anything is written, not a traceback at the first write."""
    directory = state_dir(env)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _unusable_state_dir(directory, err.strerror or str(err), env) from None
    return directory


def _unusable_state_dir(directory: Path, reason: str, env: Mapping[str, str]) -> ConfigError:
    origin = " (C5ATTN_HOME)" if env.get("C5ATTN_HOME") else ""
    return ConfigError(f"cannot use {directory}{origin} as c5attn's state folder: {reason}",
                       "Set C5ATTN_HOME to a folder you can write: it holds the audit log, the write "
                       "locks and the sandbox.")


def find_config_file(path: str | None, env: Mapping[str, str], cwd: Path) -> tuple[Path | None, str]:
    """The one file to read and why it was chosen: ``--config``, ``C5ATTN_CONFIG``, then a search."""
    for given, origin, named in ((path, "flag", "--config"), (env.get("C5ATTN_CONFIG"), "env C5ATTN_CONFIG",
                                                               "C5ATTN_CONFIG")):
        if given:
            chosen = cwd / Path(given).expanduser()
            if chosen.is_dir():
                raise ConfigError(f"configuration file {chosen} (from {named}) is a folder",
                                  f"Name the file itself, e.g. {chosen / CONFIG_FILE_NAME}")
            if not chosen.is_file():
                raise ConfigError(f"configuration file {chosen} (from {named}) does not exist",
                                  f"Check the path, or create the file: c5attn config init --path {chosen}")
            return chosen, origin
    for candidate in (cwd / CONFIG_FILE_NAME, user_config_file()):
        if candidate.is_file():
            return candidate, "default"
    return None, "default"


def _read_toml(file: Path) -> dict[str, Any]:
    import tomllib

    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML: {err}",
                          "Fix the syntax there (see https://toml.io).") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not UTF-8 text", "Save the file as UTF-8.") from None
    except OSError as err:
        raise ConfigError(f"cannot read configuration file {file}: {err.strerror}",
                          "Check the file's permissions.") from None


class _Loader:
    """Turns one parsed TOML document into sites, recording each key's origin."""

    def __init__(self, file: Path | None, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.origins: dict[str, str] = {}

    def error(self, key: str, expected: str) -> ConfigError:
        return ConfigError(f"{self.file}: {key} {expected}", DOCS_HINT)

    def check_rename(self, prefix: str, site: SiteConfig) -> None:
        """Each ``rename`` key names a table or column c5attn reads: checked here, where the error can
        name the file and the key, as the Counterpoint store checks it again when it opens."""
        from c5attn.counterpoint import queries
        from c5attn.counterpoint.names import Names

        try:
            Names(
                site.rename,
                order_number_column=site.order_number_column,
                known=queries.catalogue(site.order_number_column),
            )
        except ConfigError as err:
            raise ConfigError(f"{self.file}: {prefix}.rename: {err.message}", err.hint) from None

    def parse(self, key: str, parser: Callable[[object], Any], value: object) -> Any:
        try:
            return parser(value)
        except _Invalid as err:
            raise self.error(f"{key}.{err.subkey}" if err.subkey else key, err.expected) from None

    def note_origin(self, key: str, value: object) -> None:
        """Record that ``key`` (each entry, for a table) came from the file."""
        leaves = [f"{key}.{leaf}" for leaf in value] if isinstance(value, dict) else [key]
        self.origins.update(dict.fromkeys(leaves, file_origin(self.file)))

    def check_keys(self, table: Mapping[str, object], prefix: str, known: Iterable[str]) -> None:
        known = tuple(known)
        for key in table:
            if key not in known:
                raise ConfigError(f"{self.file}: unknown key {prefix}{key}{_did_you_mean(key, known)}",
                                  DOCS_HINT)

    def sites(self, value: object) -> dict[str, SiteConfig]:
        tables = self.parse("sites", _table, value)
        sites = {name: self.site(name, table) for name, table in tables.items()}
        self.check_store_links(list(sites.values()))
        return sites

    def check_store_links(self, sites: list[SiteConfig]) -> None:
        """Commerce5 links a Magento store to one Counterpoint store: two sites giving one store two
        links (a second site left at the default ``magento_store_ids = [1]``) would each read its
        orders, and the wrong one would call its flagged findings stale. Sites that agree on the
        link (the same shop under two names) are left alone; ``doctor`` notes them."""
        for (magento, store), (first, *others) in store_readers(sites).items():
            for site in others:
                if norm_code(first.counterpoint_store) != norm_code(site.counterpoint_store):
                    raise ConfigError(
                        f"{self.file}: sites.{site.name}.magento_store_ids covers store {store} of "
                        f"{magento}, which sites.{first.name} links to Counterpoint "
                        f"store {first.counterpoint_store!r}: an order belongs to one site",
                        "give each site of one Magento its own magento_store_ids (the default is [1])",
                    )

    def site(self, name: str, value: object) -> SiteConfig:
        prefix = f"sites.{name}"
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise self.error(prefix, "is not a usable site name: use letters, digits, '-' and '_'")
        table = self.parse(prefix, _table, value)
        self.check_keys(table, f"{prefix}.", SITE_KEYS)
        for key, meaning in _REQUIRED.items():
            if key not in table:
                raise self.error(f"{prefix}.{key}", f"is required ({meaning})")
        values = {}
        for key, raw in table.items():
            values[key] = self.parse(f"{prefix}.{key}", _PARSERS[key], raw)
            self.note_origin(f"{prefix}.{key}", raw)
        refs: dict[str, str] = {}
        errors: dict[str, SecretUnavailable] = {}
        for key in ("counterpoint_dsn", "magento_token", "magento_admin_password"):
            if key in values:
                values[key] = self.secret(prefix, key, values[key], refs, errors)
        if "magento_oauth" in values:
            values["magento_oauth"] = self.oauth(prefix, values["magento_oauth"], refs, errors)
        self.check_auth(prefix, values)
        site = SiteConfig(name=name, **values, secret_refs=refs, secret_errors=errors)
        if site.rename:
            self.check_rename(prefix, site)
        for state, status in site.resolve_status.items():
            if status == site.needs_attention_status:
                if state in (table.get("resolve_status") or {}):
                    raise self.error(f"{prefix}.resolve_status.{state}",
                                     f"is {status!r}, the Needs Attention status resolve takes orders out of")
                raise self.error(f"{prefix}.statuses.needs_attention",  # resolve_status is the default
                                 f"is {status!r}, which resolve sets for state {state!r} (resolve_status): "
                                 "Needs Attention needs a status of its own")
            if status not in site.state_statuses.get(state, []):
                raise self.error(f"{prefix}.resolve_status.{state}",
                                 f"is {status!r}, which {prefix}.state_statuses.{state} does not list")
        return site

    def oauth(self, prefix: str, table: dict[str, Any], refs: dict[str, str],
              errors: dict[str, SecretUnavailable]) -> OAuthCredentials:
        key = f"{prefix}.magento_oauth"
        self.check_keys(table, f"{key}.", OAUTH_KEYS)
        parts = {}
        for part in OAUTH_KEYS:
            if part not in table:
                raise self.error(f"{key}.{part}", "is required (magento_oauth needs all of "
                                 f"{', '.join(OAUTH_KEYS)})")
            text = self.parse(f"{key}.{part}", _text, table[part])
            secret = f"magento_oauth.{part}" in SECRET_KEYS
            parts[part] = self.secret(prefix, f"magento_oauth.{part}", text, refs, errors) if secret else text
        return OAuthCredentials(**parts)

    def secret(self, prefix: str, key: str, text: str, refs: dict[str, str],
               errors: dict[str, SecretUnavailable]) -> str:
        """The resolved secret, or "" with the problem recorded in ``errors``."""
        if is_reference(text):
            refs[key] = text
        try:
            value = resolve_secret(text, self.env, base_dir=self.file.parent if self.file else None)
            return bearer_token(value) if key == "magento_token" else value
        except SecretUnavailable as err:
            message = f"{self.file}: {prefix}.{key}: {err.message}"
            errors[key] = SecretUnavailable(message, err.hint, err.reason)
            return ""

    def check_auth(self, prefix: str, values: Mapping[str, object]) -> None:
        user, password = "magento_admin_user" in values, "magento_admin_password" in values
        if user != password:
            missing = "magento_admin_password" if user else "magento_admin_user"
            raise self.error(f"{prefix}.{missing}", "is required with "
                             f"{'magento_admin_user' if user else 'magento_admin_password'}")
        ways = [key for key in ("magento_token", "magento_oauth", "magento_admin_user") if key in values]
        if not ways:
            raise self.error(prefix, "has no way to authenticate to Magento: set magento_token, "
                             "magento_oauth, or magento_admin_user and magento_admin_password")
        if len(ways) > 1:
            raise self.error(prefix, f"sets {' and '.join(ways)}: "
                             "set only one way to authenticate to Magento")


def _os_user(env: Mapping[str, str]) -> str:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if env.get(name):
            return env[name]
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def env_operator(env: Mapping[str, str]) -> str:
    """The operator when no file is read (the embedded sandbox), chosen and checked as
    ``load_config`` does: C5ATTN_OPERATOR, else the OS user, which alone is cut to fit (the
    sandbox's first run must work whatever the login name)."""
    operator, origin = _operator_from_env(env)
    if origin == "default":
        operator = operator[:OPERATOR_MAX_LENGTH]
    return _checked_operator(operator, origin)


def env_operator_origin(env: Mapping[str, str]) -> str:
    """Where ``env_operator`` takes the operator from, as ``config show`` names origins."""
    return _operator_from_env(env)[1]


def _operator_from_env(env: Mapping[str, str]) -> tuple[str, str]:
    """(operator, origin) from C5ATTN_OPERATOR, else the OS user."""
    if env.get("C5ATTN_OPERATOR"):
        return env["C5ATTN_OPERATOR"].strip(), "env C5ATTN_OPERATOR"
    return _os_user(env), "default"


def _checked_operator(operator: str, origin: str) -> str:
    """``operator`` if it fits Counterpoint's DISMISSED_BY and is printable; else a ConfigError whose
    hint fits the problem."""
    if not operator:
        raise ConfigError(f"operator (from {origin}) is blank",
                          "Set C5ATTN_OPERATOR to the name c5attn should record as acting, or unset it.")
    if len(operator) > OPERATOR_MAX_LENGTH:
        raise ConfigError(f"operator (from {origin}) is {len(operator)} characters; at most "
                          f"{OPERATOR_MAX_LENGTH} fit Counterpoint's DISMISSED_BY",
                          "Use a shorter operator name.")
    return _printable_operator(operator, origin)


def _printable_operator(operator: str, origin: str) -> str:
    """``operator``, refused when it holds a control character: the name is written to Magento
    comments and the audit log, and an ESC or BEL in it would act on the terminal that shows them."""
    if control := _CONTROL_CHARACTER.search(operator):
        raise ConfigError(f"operator (from {origin}) holds the control character {shown(control.group())} "
                          "(it is written to Magento comments and the audit log)",
                          "Use a name of printable characters only.")
    return operator


def load_config(path: str | None, env: Mapping[str, str], cwd: Path, *, site: str | None = None) -> Config:
    """Read and validate the configuration.

    ``path`` is ``--config``, ``site`` is ``--site``; ``env`` supplies ``C5ATTN_CONFIG``,
    ``C5ATTN_SITE``, ``C5ATTN_OPERATOR`` and the ``env:`` secrets. Raises ConfigError naming the
    file, the key and what is expected.
    """
    file, found_by = find_config_file(path, env, cwd)
    data = _read_toml(file) if file is not None else {}
    loader = _Loader(file, env)
    loader.check_keys(data, "", TOP_LEVEL_KEYS)
    sites = loader.sites(data.get("sites", {}))

    if "operator" in data and not env.get("C5ATTN_OPERATOR"):
        operator, operator_origin = loader.parse("operator", _text, data["operator"]), file_origin(file)
    else:
        operator, operator_origin = _operator_from_env(env)
    operator = _checked_operator(operator, operator_origin)

    from_env = env.get("C5ATTN_SITE")
    if not site and from_env is not None and not from_env.strip():  # as --site "": never every site
        raise ConfigError(
            "C5ATTN_SITE is set but empty",
            "name a configured site in it, or unset it (unset C5ATTN_SITE) to work on every site",
        )
    chosen, site_origin = (site, "flag") if site else (from_env or None, "env C5ATTN_SITE")
    config = Config(
        operator=operator,
        sites=sites,
        source=str(file) if file is not None else None,
        site=chosen,
        origins={**loader.origins, "config_file": found_by, "operator": operator_origin,
                 "site": site_origin if chosen else "default"},
    )
    if chosen is not None and chosen not in sites:
        raise _unknown_site(config, chosen, f" (from {'--site' if site else 'C5ATTN_SITE'})")
    return config


def _unknown_site(config: Config, name: str, origin: str = "") -> ConfigError:
    if not config.sites:
        return _no_sites(config)
    names = ", ".join(config.sites)
    return ConfigError(f"unknown site {name!r}{origin}; the configured sites are: {names}",
                       f"Choose one with --site NAME or C5ATTN_SITE{_did_you_mean(name, config.sites)}.")


def _no_sites(config: Config) -> ConfigError:
    """Without a file, ``config init`` writes one; a file that was read it would refuse to overwrite."""
    if config.source is None:
        return ConfigError("no site is configured (no configuration file was found)",
                           "Write a configuration file with `c5attn config init`, then edit it; "
                           "or try c5attn with --sandbox.")
    return ConfigError(f"no site is configured ({config.source})",
                       f"Add a [sites.NAME] table to {config.source} (docs/configuration.md, \"Keys\"; "
                       "c5attn config init --path FILE writes a template to copy from); "
                       "or try c5attn with --sandbox.")


def select_sites(config: Config, name: str | None, *, unresolved: bool = False) -> list[SiteConfig]:
    """The sites a command works on: ``name``'s, the only one, or all; their secrets resolved, or
    with ``unresolved`` those whose secrets cannot be too (``doctor`` reports them)."""
    if not config.sites:
        raise _no_sites(config)
    if name is None:
        chosen = list(config.sites.values())
    elif name in config.sites:
        chosen = [config.sites[name]]
    else:
        raise _unknown_site(config, name)
    if unresolved:
        return chosen
    for site in chosen:
        for error in site.secret_errors.values():
            if others := [other for other in chosen if other is not site and not other.secret_errors]:
                alone = " or ".join(f"--site {other.name}" for other in others)
                hint = f"{(error.hint or '').rstrip('.')}; to work on the other sites meanwhile: {alone}"
                raise SecretUnavailable(error.message, hint, error.reason)
            raise error
    return chosen


# --- showing ---------------------------------------------------------------------------------


def _display(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_display(element) for element in value)
    return str(value)


def _secret_display(site: SiteConfig, key: str, value: str) -> str:
    ref = site.secret_refs.get(key)
    error = site.secret_errors.get(key)
    if ref is not None:
        return f"{ref} ({error.reason if error else 'set'})"
    if key == "counterpoint_dsn":
        return redact_dsn(value)[0]
    return "***"


def _site_rows(site: SiteConfig) -> list[tuple[str, str]]:
    """(key, display value) of every key in effect on ``site``, tables flattened, secrets hidden."""
    rows = []
    for key in SITE_KEYS:
        value = getattr(site, key)
        if value is None:
            continue
        if isinstance(value, OAuthCredentials):
            value = {part: getattr(value, part) for part in OAUTH_KEYS}
        items = [(f"{key}.{sub}", sub_value) for sub, sub_value in value.items()] if isinstance(
            value, dict) else [(key, value)]
        for item_key, item_value in items:
            shown = _secret_display(site, item_key, item_value) if item_key in SECRET_KEYS else _display(
                item_value)
            rows.append((item_key, shown))
    return rows


def _site_choice(config: Config) -> str:
    if config.site:
        return config.site
    if len(config.sites) == 1:
        return f"{next(iter(config.sites))} (the only site)"
    return "(all sites)" if config.sites else "(none configured)"


_NO_FILE = {"sandbox": "(none: --sandbox reads no file)"}


def describe(config: Config) -> list[tuple[str, str, str, str]]:
    """Every effective key as (site, key, display value, origin) for ``config show``; secrets hidden.

    Origin is ``default``, ``file PATH``, ``env C5ATTN_…``, ``flag`` or (``--sandbox``) ``sandbox``;
    global keys have site "".
    """
    file_from = config.origins.get("config_file", "default")
    rows = [
        ("", "config_file", config.source or _NO_FILE.get(file_from, "(none found)"), file_from),
        ("", "operator", config.operator, config.origins.get("operator", "default")),
        ("", "site", _site_choice(config), config.origins.get("site", "default")),
    ]
    for name, site in config.sites.items():
        rows.extend((name, key, shown, config.origins.get(f"sites.{name}.{key}", "default"))
                    for key, shown in _site_rows(site))
    return rows


def plaintext_secrets(config: Config) -> list[str]:
    """Dotted keys whose secret is written in the file itself (``config show`` warns about them);
    none without a file (the embedded sandbox's own token is no operator's secret)."""
    if config.source is None:
        return []
    found = []
    for name, site in config.sites.items():
        in_effect = dict(_site_rows(site))
        for key in SECRET_KEYS:
            if key in in_effect and key not in site.secret_refs and (
                    key != "counterpoint_dsn" or redact_dsn(site.counterpoint_dsn)[1]):
                found.append(f"sites.{name}.{key}")
    return found


# --- the template ----------------------------------------------------------------------------

_TEMPLATE = '''\
# c5attn configuration (docs/configuration.md describes every key).
# Every key below shows its default, except the required magento_url, counterpoint_dsn and one
# way to authenticate to Magento. Secrets are references, never the secret itself:
#   env:NAME             an environment variable (the usual way for services and cron jobs)
#   file:PATH            a file only its owner can read (chmod 600 PATH)
#   keyring:SERVICE/USER the OS keyring (pip install 'c5attn[keyring]')

# operator = "jane"                  # who c5attn records as acting; default: the OS user name

[sites.web]                          # chosen with --site / C5ATTN_SITE; default: the only site
magento_url = "https://shop.example.com"    # REST calls go to {magento_url}/rest/{magento_store_code}/V1/...
magento_store_code = "default"
magento_store_ids = [1]              # Magento store_id values that belong to this site
magento_token = "env:MAGENTO_TOKEN"  # an integration or admin bearer token
# or OAuth 1.0a: see [sites.web.magento_oauth] below;
# or an admin login (2FA must be off for it; remove magento_token):
# magento_admin_user = "api"
# magento_admin_password = "env:MAGENTO_PASSWORD"
magento_verify_tls = true            # check the store's TLS certificate
magento_timeout_seconds = 30         # connect and read, per request
magento_page_size = 300              # orders per page, 1 to 300; never above the store's cap
counterpoint_dsn = "env:CP_DSN"      # an ODBC connection string (pyodbc), or sqlite:///path/to.db
counterpoint_store = "WEB"           # STR_ID of the web store
counterpoint_timezone = "UTC"        # how TKT_DT (store local time) is read; an IANA name
counterpoint_timeout_seconds = 30    # per query
order_number_column = "TKT_NO"       # the Counterpoint column that holds the Magento increment_id
web_pay_codes = ["WEB"]              # pay codes of deposits Commerce5 makes at import
capture_grace_minutes = 60           # how long a release may wait for its Magento invoice

[sites.web.statuses]                 # Magento status codes of Commerce5's statuses
needs_attention = "needs_attention"
in_counterpoint = "in_counterpoint"
completing = "completing"
confirmed_cancel = "confirmed_cancel"

[sites.web.resolve_status]           # state -> the status `c5attn resolve` sets
processing = "processing"
complete = "complete"
canceled = "canceled"
closed = "closed"

[sites.web.state_statuses]           # state -> statuses assigned to it in this store (no Magento API says)
new = ["pending", "needs_attention"]
processing = ["processing", "in_counterpoint", "needs_attention"]
complete = ["complete", "completing", "needs_attention"]
canceled = ["canceled", "confirmed_cancel", "needs_attention"]
closed = ["closed", "needs_attention"]
holded = ["holded", "needs_attention"]

[sites.web.rename]                   # Counterpoint names unlike the defaults (docs/counterpoint.md):
# "USER_C5_ORD_ERR" = "C5_ORDER_ERRORS"       # a table
# "USER_C5_ORD_ERR.ORD_NO" = "ORDER_NO"       # a column

# [sites.web.magento_oauth]          # OAuth 1.0a signing instead of magento_token (remove that)
# consumer_key = "..."
# consumer_secret = "env:MAGENTO_CONSUMER_SECRET"
# access_token = "env:MAGENTO_ACCESS_TOKEN"
# access_token_secret = "env:MAGENTO_ACCESS_TOKEN_SECRET"

# Another site: add a [sites.NAME] table with its own keys.
'''


def config_template() -> str:
    """The commented configuration file ``c5attn config init`` writes: every key with its default."""
    return _TEMPLATE
