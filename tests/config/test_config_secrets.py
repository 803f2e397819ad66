"""Secret references: env:, file: (and its permission check), keyring:, literals, DSN redaction."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from c5attn.errors import ConfigError, ExitCode
from c5attn.secrets import SecretUnavailable, is_reference, redact_dsn, resolve_secret


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_secrets_env_reference_reads_the_variable() -> None:
    assert resolve_secret("env:MAGENTO_TOKEN", {"MAGENTO_TOKEN": "tok-SECRET"}) == "tok-SECRET"


def test_secrets_missing_env_variable_is_a_clear_config_error() -> None:
    with pytest.raises(SecretUnavailable) as caught:
        resolve_secret("env:MAGENTO_TOKEN", {})
    assert caught.value.message == "environment variable MAGENTO_TOKEN is not set"
    assert caught.value.hint is not None and "export MAGENTO_TOKEN=" in caught.value.hint
    assert isinstance(caught.value, ConfigError) and caught.value.exit_code == ExitCode.USAGE


def test_secrets_empty_env_variable_is_refused() -> None:
    with pytest.raises(SecretUnavailable, match="env:T is empty"):
        resolve_secret("env:T", {"T": ""})


def test_secrets_file_reference_strips_the_trailing_newline(tmp_path: Path) -> None:
    secret = private_file(tmp_path / "token", "tok-SECRET\n")
    assert resolve_secret(f"file:{secret}", {}) == "tok-SECRET"


def test_secrets_relative_file_reference_uses_base_dir(tmp_path: Path) -> None:
    private_file(tmp_path / "token", "abc\r\n")
    assert resolve_secret("file:token", {}, base_dir=tmp_path) == "abc"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_secrets_file_readable_by_group_or_others_is_refused_with_chmod_hint(
    tmp_path: Path, mode: int
) -> None:
    secret = private_file(tmp_path / "token", "tok-SECRET\n", mode)
    with pytest.raises(SecretUnavailable) as caught:
        resolve_secret(f"file:{secret}", {})
    assert "can be read by group or others" in caught.value.message
    assert caught.value.hint == f"Make it private: chmod 600 {secret}"
    assert "tok-SECRET" not in str(caught.value)


def test_secrets_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SecretUnavailable, match=f"secret file {tmp_path / 'nope'} does not exist"):
        resolve_secret(f"file:{tmp_path / 'nope'}", {})


@pytest.fixture
def fake_keyring(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """A stand-in ``keyring`` module whose store is the returned dict."""
    store: dict[tuple[str, str], str] = {}
    module = types.ModuleType("keyring")
    errors = types.ModuleType("keyring.errors")

    class KeyringError(Exception):
        pass

    errors.KeyringError = KeyringError  # type: ignore[attr-defined]
    module.errors = errors  # type: ignore[attr-defined]
    module.get_password = lambda service, user: store.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    return store


def test_secrets_keyring_reference_reads_service_and_user(fake_keyring: dict[tuple[str, str], str]) -> None:
    fake_keyring[("c5attn/web", "api")] = "kr-SECRET"
    assert resolve_secret("keyring:c5attn/web/api", {}) == "kr-SECRET"


def test_secrets_keyring_without_entry_says_how_to_store_it(fake_keyring: dict[tuple[str, str], str]) -> None:
    with pytest.raises(SecretUnavailable) as caught:
        resolve_secret("keyring:c5attn/api", {})
    assert caught.value.reason == "not in keyring"
    assert caught.value.hint == "Store it: keyring set c5attn api"


def test_secrets_keyring_not_installed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes `import keyring` raise ImportError
    with pytest.raises(SecretUnavailable) as caught:
        resolve_secret("keyring:c5attn/api", {})
    assert "needs the keyring package" in caught.value.message
    assert caught.value.hint is not None and "pip install 'c5attn[keyring]'" in caught.value.hint


def test_secrets_malformed_keyring_reference() -> None:
    with pytest.raises(SecretUnavailable, match="is not keyring:SERVICE/USER"):
        resolve_secret("keyring:justone", {})


def test_secrets_literal_is_returned_and_is_not_a_reference() -> None:
    assert resolve_secret("plain-value", {}) == "plain-value"
    assert not is_reference("plain-value")
    assert all(is_reference(ref) for ref in ("env:X", "file:/x", "keyring:a/b"))


@pytest.mark.parametrize(
    ("dsn", "shown", "has_password"),
    [
        (
            "DRIVER={ODBC Driver 18};SERVER=db;UID=c5;PWD=s3cret;",
            "DRIVER={ODBC Driver 18};SERVER=db;UID=c5;PWD=***;",
            True,
        ),
        ("Server=db;Password={a;b}}c};Uid=x", "Server=db;Password=***;Uid=x", True),
        ("sqlite:///var/lib/cp.db", "sqlite:///var/lib/cp.db", False),
        (
            "DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:cp.example,1433;UID=c5;PWD={se;cr}}et}",
            "DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:cp.example,1433;UID=c5;PWD=***",
            True,
        ),
        ("Driver=FreeTDS;pwd=abc;Password=def", "Driver=FreeTDS;pwd=***;Password=***", True),
        ("DSN=counterpoint;AccessToken=xyz", "DSN=counterpoint;AccessToken=***", True),
        ("DSN=cp;PWD= {se;cret};UID=c5", "DSN=cp;PWD=***;UID=c5", True),  # a blank before the brace
        ("DSN=cp;UID=c5", "DSN=cp;UID=c5", False),
        (
            "DSN=cp;ApiKey=k1;KeyStoreAuthentication=KeyVaultPassword",
            "DSN=cp;ApiKey=***;KeyStoreAuthentication=KeyVaultPassword",
            True,
        ),
        ("sqlite:////srv/token=1;pwd=x/cp.db", "sqlite:////srv/token=1;pwd=x/cp.db", False),
    ],
)
def test_secrets_redact_dsn_masks_only_the_password(dsn: str, shown: str, has_password: bool) -> None:
    assert redact_dsn(dsn) == (shown, has_password)
