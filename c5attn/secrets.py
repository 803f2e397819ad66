"""Secret references: how a configuration file names a secret without containing it.

``env:NAME`` (the usual way for services and cron jobs), ``file:PATH`` (a file only its owner can
read) and ``keyring:SERVICE/USER`` (the OS keyring, optional extra ``c5attn[keyring]``). Anything
else is a literal value written in the file. Messages name the reference, never the value.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path

from c5attn.errors import ConfigError

REFERENCE_PREFIXES = ("env:", "file:", "keyring:")

# ODBC attributes whose value is a secret (PWD, Password, AccessToken, KeyStoreSecret…).
_SECRET_KEY = re.compile(r"PWD|PASSWORD|SECRET|TOKEN|KEY$", re.IGNORECASE)  # not KeyStoreAuthentication


class SecretUnavailable(ConfigError):
    """A secret reference that cannot be resolved; ``reason`` is the short form ``config show`` prints."""

    def __init__(self, message: str, hint: str | None, reason: str) -> None:
        super().__init__(message, hint)
        self.reason = reason


def is_reference(text: str) -> bool:
    """True when ``text`` names a secret kept elsewhere rather than being the secret itself."""
    return text.startswith(REFERENCE_PREFIXES)


def resolve_secret(ref: str, env: Mapping[str, str], *, base_dir: Path | None = None) -> str:
    """The secret ``ref`` names (a literal is returned as it is).

    ``base_dir`` anchors a relative ``file:`` path (the configuration file's folder).
    Raises :class:`SecretUnavailable` when the secret cannot be had or is empty.
    """
    if ref.startswith("env:"):
        value = _from_env(ref.removeprefix("env:"), env)
    elif ref.startswith("file:"):
        value = _from_file(ref.removeprefix("file:"), base_dir)
    elif ref.startswith("keyring:"):
        value = _from_keyring(ref.removeprefix("keyring:"))
    else:
        value = ref
    if not value:
        raise SecretUnavailable(f"the secret {_shown(ref)} is empty", "Store the secret itself there.",
                                "empty")
    return value


def bearer_token(value: str) -> str:
    """``value`` as an HTTP bearer token: surrounding blanks dropped (a Windows-edited variable ends
    in "\r"), refused if anything else could not go into an ``Authorization`` header as it is."""
    token = value.strip()
    if not (token.isascii() and token.isprintable()) or " " in token:
        raise SecretUnavailable(
            "is not a token: it holds spaces, control characters or characters beyond ASCII",
            "Check the value stored there (copy the token again from the Magento admin).",
            "not a token",
        )
    return token


def _shown(ref: str) -> str:
    """How a reference appears in a message: the reference text, or nothing of a literal."""
    return ref if is_reference(ref) else "written in the file"


def _from_env(name: str, env: Mapping[str, str]) -> str:
    if not name:
        raise SecretUnavailable("env: names no variable", "Write env:NAME, for example env:MAGENTO_TOKEN.",
                                "no variable named")
    if name not in env:
        raise SecretUnavailable(
            f"environment variable {name} is not set",
            f"Set it in the environment of c5attn (export {name}=...), or change the reference.",
            "not set",
        )
    return env[name]


def _from_file(path_text: str, base_dir: Path | None) -> str:
    path = Path(path_text).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SecretUnavailable(f"secret file {path} does not exist", "Create it, or correct the path.",
                                "file not found") from None
    except OSError as err:
        raise SecretUnavailable(f"secret file {path} cannot be read: {err.strerror}",
                                "Check the path and its permissions.", "unreadable") from None
    if not stat.S_ISREG(info.st_mode):
        raise SecretUnavailable(f"secret file {path} is not a regular file", "Point file: at a file.",
                                "not a file")
    if os.name == "posix" and info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        raise SecretUnavailable(
            f"secret file {path} can be read by group or others; refusing to use it",
            f"Make it private: chmod 600 {path}",
            "readable by group or others",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise SecretUnavailable(f"secret file {path} cannot be read: {reason}",
                                "Check its permissions and contents.", "unreadable") from None
    return text.rstrip("\r\n")


def _from_keyring(spec: str) -> str:
    service, _, user = spec.rpartition("/")
    if not service or not user:
        raise SecretUnavailable(f"keyring:{spec} is not keyring:SERVICE/USER",
                                "Write it as keyring:SERVICE/USER, for example keyring:c5attn/web.",
                                "malformed")
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise SecretUnavailable(
            f"keyring:{spec} needs the keyring package, which is not installed",
            "Install it: pip install 'c5attn[keyring]'; or use an env: or file: reference.",
            "keyring not installed",
        ) from None
    try:
        value: str | None = keyring.get_password(service, user)
    except keyring.errors.KeyringError as err:
        raise SecretUnavailable(f"the keyring could not be read for keyring:{spec}: {type(err).__name__}",
                                "Check that a keyring backend is available (python -m keyring diagnose).",
                                "keyring unavailable") from None
    if value is None:
        raise SecretUnavailable(f"the keyring holds no password for service {service!r}, user {user!r}",
                                f"Store it: keyring set {service} {user}", "not in keyring")
    return value


def redact_dsn(dsn: str) -> tuple[str, bool]:
    """The ODBC connection string with every secret-like value (``PWD``, ``Password``,
    ``AccessToken``, ``KeyStoreSecret``…) as ``***``, and whether it held one; safe to show."""
    if dsn.startswith("sqlite:///"):  # a file path, not key=value pairs, and no password
        return dsn, False
    hidden = False
    parts = []
    for key, _, raw in odbc_segments(dsn):
        if key and is_secret_key(key):
            parts.append(f"{key}=***")
            hidden = True
        else:
            parts.append(raw)
    return ";".join(parts) + (";" if dsn.endswith(";") else ""), hidden


def is_secret_key(key: str) -> bool:
    """An ODBC attribute whose value is a secret."""
    return _SECRET_KEY.search(key) is not None


def odbc_segments(dsn: str) -> list[tuple[str, str, str]]:
    """(key, value, raw text) per ``key=value`` of an ODBC string; ``{…}`` values may hold ``;``."""
    segments: list[tuple[str, str, str]] = []
    position = 0
    while position < len(dsn):
        equals = dsn.find("=", position)
        semicolon = dsn.find(";", position)
        if equals < 0 or 0 <= semicolon < equals:  # a segment with no value
            end = len(dsn) if semicolon < 0 else semicolon
            segments.append(("", "", dsn[position:end]))
            position = end + 1
            continue
        key = dsn[position:equals].strip()
        value_start = equals + 1
        brace = value_start + len(dsn[value_start:]) - len(dsn[value_start:].lstrip(" "))
        if dsn[brace : brace + 1] == "{":  # "PWD={…}", or "PWD= {…}" with blanks before the brace
            end, value = _braced(dsn, brace + 1)
        else:
            end = dsn.find(";", value_start)
            end = len(dsn) if end < 0 else end
            value = dsn[value_start:end].strip()
        segments.append((key, value, dsn[position:end]))
        position = end + 1
    return segments


def _braced(dsn: str, start: int) -> tuple[int, str]:
    """The end of a ``{…}`` value (``}}`` escapes ``}``) and its text."""
    chars: list[str] = []
    index = start
    while index < len(dsn):
        if dsn[index] == "}":
            if dsn[index + 1 : index + 2] == "}":
                chars.append("}")
                index += 2
                continue
            index += 1
            break
        chars.append(dsn[index])
        index += 1
    end = dsn.find(";", index)
    return (len(dsn) if end < 0 else end), "".join(chars)
