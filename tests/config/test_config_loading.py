"""Configuration: which file is read, value precedence, validation messages, site choice, display."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from c5attn.config import (
    SITE_KEYS,
    Config,
    SiteConfig,
    config_template,
    describe,
    env_operator,
    load_config,
    plaintext_secrets,
    select_sites,
    state_dir,
)
from c5attn.errors import ConfigError, ExitCode

SITE = """
[sites.{name}]
magento_url = "https://{name}.example.com"
magento_token = "env:MAGENTO_TOKEN"
counterpoint_dsn = "env:CP_DSN"
"""


def operator_file(write_config: Callable[..., Path], operator: str, **where: object) -> Path:
    return write_config(f'operator = "{operator}"\n' + SITE.format(name=operator), **where)


# --- which file -------------------------------------------------------------------------------


@pytest.fixture
def four_files(write_config: Callable[..., Path], tmp_path: Path) -> dict[str, Path]:
    """A configuration file at each place c5attn looks, each naming a different operator and site."""
    return {
        "flag": operator_file(write_config, "flagged", name="flag.toml", folder=tmp_path / "elsewhere"),
        "env": operator_file(write_config, "environ", name="env.toml", folder=tmp_path / "elsewhere"),
        "cwd": operator_file(write_config, "cwdfile"),
        "user": operator_file(
            write_config, "userdir", name="config.toml", folder=tmp_path / "xdg-config" / "c5attn"
        ),
    }


def test_config_flag_wins_over_every_other_file(four_files: dict[str, Path], isolated_home: Path) -> None:
    config = load_config(str(four_files["flag"]), {"C5ATTN_CONFIG": str(four_files["env"])}, isolated_home)
    assert (config.source, config.operator, list(config.sites)) == (
        str(four_files["flag"]),
        "flagged",
        ["flagged"],
    )
    assert config.origins["config_file"] == "flag"


def test_config_env_file_wins_over_cwd_and_user_dir(four_files: dict[str, Path], isolated_home: Path) -> None:
    config = load_config(None, {"C5ATTN_CONFIG": str(four_files["env"])}, isolated_home)
    assert (config.operator, config.origins["config_file"]) == ("environ", "env C5ATTN_CONFIG")


def test_config_cwd_file_wins_over_user_dir_and_only_one_file_is_read(
    four_files: dict[str, Path], isolated_home: Path
) -> None:
    config = load_config(None, {}, isolated_home)
    assert config.source == str(four_files["cwd"])
    assert list(config.sites) == ["cwdfile"]  # nothing merged in from the user dir's file


def test_config_user_dir_file_is_the_last_resort(four_files: dict[str, Path], isolated_home: Path) -> None:
    four_files["cwd"].unlink()
    assert load_config(None, {}, isolated_home).source == str(four_files["user"])


def test_config_no_file_gives_defaults_without_sites(isolated_home: Path) -> None:
    config = load_config(None, {"USER": "pat"}, isolated_home)
    assert (config.source, config.sites, config.operator) == (None, {}, "pat")


def test_config_relative_flag_path_is_read_from_cwd(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    operator_file(write_config, "relative", name="sub/c.toml")
    assert load_config("sub/c.toml", {}, isolated_home).operator == "relative"


@pytest.mark.parametrize(
    ("path", "env", "named"),
    [
        ("missing.toml", {}, "--config"),
        (None, {"C5ATTN_CONFIG": "missing.toml"}, "C5ATTN_CONFIG"),
    ],
)
def test_config_named_file_that_does_not_exist_is_an_error(
    isolated_home: Path, path: str | None, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env, isolated_home)
    assert str(isolated_home / "missing.toml") in caught.value.message
    assert named in caught.value.message


# --- values: flags > environment > file > defaults --------------------------------------------


def test_config_operator_env_beats_file_beats_os_user(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    assert load_config(None, {"USER": "osuser"}, isolated_home).operator == "osuser"
    path = operator_file(write_config, "filed")
    from_file = load_config(None, {"USER": "osuser"}, isolated_home)
    assert (from_file.operator, from_file.origins["operator"]) == ("filed", f"file {path}")
    from_env = load_config(None, {"USER": "osuser", "C5ATTN_OPERATOR": "envop"}, isolated_home)
    assert (from_env.operator, from_env.origins["operator"]) == ("envop", "env C5ATTN_OPERATOR")


@pytest.mark.parametrize(
    ("operator", "message", "hint"),
    [
        ("   ", "operator (from env C5ATTN_OPERATOR) is blank", "Set C5ATTN_OPERATOR to the name"),
        ("x" * 31, "31 characters; at most 30", "shorter"),
        ("jane\x1b]0;owned\x07", "holds the control character \\x1b", "printable characters"),
        ("jane\ndoe", "holds the control character \\x0a", "printable characters"),
        ("jane\u202eetag", "holds the control character U+202E", "printable characters"),  # shows "janegate"
    ],
)
def test_config_operator_problems_each_get_their_own_hint(
    isolated_home: Path, operator: str, message: str, hint: str
) -> None:
    for choose in (lambda env: load_config(None, env, isolated_home), env_operator):  # sandbox: no file
        with pytest.raises(ConfigError) as caught:
            choose({"C5ATTN_OPERATOR": operator})
        assert message in caught.value.message and hint in (caught.value.hint or "")
        assert caught.value.exit_code == ExitCode.USAGE


def test_config_operator_control_characters_are_refused_from_the_file_and_for_the_sandbox(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config('operator = "jane\\u001b[2J"\n')
    with pytest.raises(ConfigError, match=r"operator \(from file .*\) holds the control character \\x1b"):
        load_config(None, {}, isolated_home)
    with pytest.raises(ConfigError, match=r"operator \(from env C5ATTN_OPERATOR\) holds"):
        env_operator({"C5ATTN_OPERATOR": "jane\x07"})


def test_config_sandbox_cuts_a_long_os_user_to_fit_but_not_a_chosen_name(isolated_home: Path) -> None:
    assert env_operator({"USER": "y" * 40}) == "y" * 30
    with pytest.raises(ConfigError, match="40 characters"):
        load_config(None, {"USER": "y" * 40}, isolated_home)


def test_config_site_flag_beats_env_beats_default(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config(SITE.format(name="web") + SITE.format(name="outlet"))
    assert load_config(None, {}, isolated_home).site is None
    from_env = load_config(None, {"C5ATTN_SITE": "outlet"}, isolated_home)
    assert (from_env.site, from_env.origins["site"]) == ("outlet", "env C5ATTN_SITE")
    from_flag = load_config(None, {"C5ATTN_SITE": "outlet"}, isolated_home, site="web")
    assert (from_flag.site, from_flag.origins["site"]) == ("web", "flag")


def test_config_file_values_beat_defaults_key_by_key(
    write_config: Callable[..., Path], isolated_home: Path, secrets_env: dict[str, str]
) -> None:
    path = write_config(
        SITE.format(name="web") + "magento_page_size = 100\n[sites.web.statuses]\n"
        'needs_attention = "c5_attention"\n'
    )
    config = load_config(None, secrets_env, isolated_home)
    site = config.sites["web"]
    assert (site.magento_page_size, site.counterpoint_store) == (100, "WEB")
    assert site.statuses["needs_attention"] == "c5_attention"
    assert site.statuses["completing"] == "completing"  # the rest of the table keeps its defaults
    origins = {(row[0], row[1]): row[3] for row in describe(config)}
    assert origins[("web", "magento_page_size")] == f"file {path}"
    assert origins[("web", "statuses.needs_attention")] == f"file {path}"
    assert origins[("web", "counterpoint_store")] == "default"
    assert origins[("web", "statuses.completing")] == "default"


def test_config_the_template_loads_to_the_defaults(
    write_config: Callable[..., Path], isolated_home: Path, secrets_env: dict[str, str]
) -> None:
    write_config(config_template())
    loaded = load_config(None, secrets_env, isolated_home).sites["web"]
    expected = SiteConfig(
        name="web",
        magento_url="https://shop.example.com",
        counterpoint_dsn=secrets_env["CP_DSN"],
        magento_token=secrets_env["MAGENTO_TOKEN"],
        secret_refs={"magento_token": "env:MAGENTO_TOKEN", "counterpoint_dsn": "env:CP_DSN"},
    )
    assert loaded == expected


def test_config_the_template_names_every_key() -> None:
    template = config_template()
    for key in (*SITE_KEYS, "operator"):
        assert f"{key} =" in template or f"[sites.web.{key}]" in template, key


# --- validation ---------------------------------------------------------------------------------

AUTH = 'magento_token = "env:MAGENTO_TOKEN"\n'
BASE = '[sites.web]\nmagento_url = "https://shop.example.com"\ncounterpoint_dsn = "env:CP_DSN"\n'


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('operator = "x\n', "", "not valid TOML"),
        ('operatr = "jane"\n', "operatr", "did you mean operator?"),
        (BASE + AUTH + "magento_tokn = 1\n", "sites.web.magento_tokn", "did you mean magento_token?"),
        (
            BASE + AUTH + 'magento_page_size = "300"\n',
            "sites.web.magento_page_size",
            "must be an integer from 1 to 300",
        ),
        (BASE + AUTH + "magento_page_size = 301\n", "sites.web.magento_page_size", "from 1 to 300, not 301"),
        (BASE + AUTH + "magento_page_size = 0\n", "sites.web.magento_page_size", "from 1 to 300, not 0"),
        (BASE + AUTH + "magento_page_size = true\n", "sites.web.magento_page_size", "not true/false"),
        (
            BASE + AUTH + 'magento_verify_tls = "yes"\n',
            "sites.web.magento_verify_tls",
            "must be true or false",
        ),
        (BASE + AUTH + "magento_timeout_seconds = 0\n", "sites.web.magento_timeout_seconds", "above 0"),
        (
            BASE + AUTH + "magento_timeout_seconds = 3601\n",
            "sites.web.magento_timeout_seconds",
            "at most 3600",
        ),
        (BASE + AUTH + "magento_timeout_seconds = inf\n", "sites.web.magento_timeout_seconds", "not inf"),
        (BASE + AUTH + "magento_timeout_seconds = nan\n", "sites.web.magento_timeout_seconds", "not nan"),
        (BASE + AUTH + 'counterpoint_timezone = "Mars/Olympus"\n', "sites.web.counterpoint_timezone", "IANA"),
        (
            BASE + AUTH + 'order_number_column = "TKT_NO; DROP TABLE X"\n',
            "sites.web.order_number_column",
            "column name",
        ),
        (BASE + AUTH + "web_pay_codes = []\n", "sites.web.web_pay_codes", "non-empty array of pay codes"),
        (
            BASE + AUTH + f"web_pay_codes = {[f'W{n}' for n in range(101)]}\n".replace("'", '"'),
            "sites.web.web_pay_codes",
            "at most 100 pay codes (strings), not 101",
        ),
        (BASE + AUTH + 'magento_store_ids = ["1"]\n', "sites.web.magento_store_ids", "array of store ids"),
        (
            BASE + AUTH + "capture_grace_minutes = -1\n",
            "sites.web.capture_grace_minutes",
            "from 0 to 43200, not -1",
        ),
        (
            BASE + AUTH + "capture_grace_minutes = 43201\n",
            "sites.web.capture_grace_minutes",
            "from 0 to 43200, not 43201",
        ),
        (
            BASE + AUTH + '[sites.web.statuses]\nneeds_attn = "x"\n',
            "sites.web.statuses.needs_attn",
            "did you mean needs_attention?",
        ),
        (
            BASE + AUTH + '[sites.web.state_statuses]\nshipped = ["x"]\n',
            "sites.web.state_statuses.shipped",
            "not a known key",
        ),
        (
            BASE + AUTH + '[sites.web.resolve_status]\nprocessing = "packed"\n',
            "sites.web.resolve_status.processing",
            "sites.web.state_statuses.processing does not list",
        ),
        (
            BASE + AUTH + '[sites.web.statuses]\nneeds_attention = "complete"\n',
            "sites.web.statuses.needs_attention",
            "which resolve sets for state 'complete' (resolve_status)",
        ),
        (
            BASE + AUTH + '[sites.web.resolve_status]\nprocessing = "needs_attention"\n',
            "sites.web.resolve_status.processing",
            "the Needs Attention status",
        ),
        (BASE + AUTH + '[sites.web.rename]\n"BAD-NAME" = "X"\n', "sites.web.rename.BAD-NAME", "TABLE.COLUMN"),
        (BASE + AUTH + '[sites.web.rename]\n"T.C" = "A.B"\n', "sites.web.rename.T.C", "column name"),
        (  # checked when the file is read, not when Counterpoint is first opened
            BASE + AUTH + '[sites.web.rename]\n"PS_DOC_HDR.WHO" = "X"\n',
            "sites.web.rename",
            "'PS_DOC_HDR.WHO' is not a Counterpoint table or column that c5attn uses",
        ),
        ('[sites.web]\ncounterpoint_dsn = "x"\n' + AUTH, "sites.web.magento_url", "is required"),
        (
            '[sites.web]\nmagento_url = "https://a.example"\n' + AUTH,
            "sites.web.counterpoint_dsn",
            "is required",
        ),
        (
            '[sites.web]\nmagento_url = "ftp://a.example"\ncounterpoint_dsn = "x"\n' + AUTH,
            "sites.web.magento_url",
            "base URL",
        ),
        *[
            (f'[sites.web]\nmagento_url = "{url}"\ncounterpoint_dsn = "x"\n{AUTH}', "magento_url", why)
            for url, why in [
                ("http://[::1", "base URL"),  # urlsplit raises on it
                ("http://[zz]:80", "base URL"),
                ("http://127.0.0.1:99999", "base URL"),
                ("http://127.0.0.1:abc", "base URL"),
                ("http://exa mple.com", "base URL"),
                ("https://shop.example.com/?a=1", "base URL"),
                ("https://shop.example.com/?", "base URL"),  # an empty query still ends the path
                ("https://shop.example.com#", "base URL"),
                ("https://shop.example.com\\\\", "base URL"),
                ("http://admin:s3cretpw@shop.example.com", "must not hold a user name or password"),
            ]
        ],
        *[
            (BASE + AUTH + f'magento_store_code = "{code}"\n', "sites.web.magento_store_code", "store code")
            for code in ("../admin", "de fault", "1st")
        ],
        (
            '[sites.web]\nmagento_url = "https://a.example/rest/default"\ncounterpoint_dsn = "x"\n' + AUTH,
            "sites.web.magento_url",
            "without /rest/",
        ),
        (BASE, "sites.web", "no way to authenticate"),
        (
            BASE + AUTH + 'magento_admin_user = "api"\nmagento_admin_password = "env:P"\n',
            "sites.web",
            "set only one way",
        ),
        (BASE + 'magento_admin_user = "api"\n', "sites.web.magento_admin_password", "is required with"),
        (
            BASE + 'magento_oauth = { consumer_key = "k", consumer_secret = "s", access_token = "t" }\n',
            "sites.web.magento_oauth.access_token_secret",
            "is required",
        ),
        (BASE + AUTH + 'magento_token_type = "x"\n', "sites.web.magento_token_type", "unknown key"),
        ("sites = 3\n", "sites", "must be a table"),
        ("[sites]\nweb = 1\n", "sites.web", "must be a table"),
        ('[sites."web shop"]\nmagento_url = "https://a.example"\n', "sites.web shop", "usable site name"),
        ('operator = "' + "x" * 31 + '"\n', "operator", "31 characters; at most 30"),
    ],
)
def test_config_validation_errors_name_file_key_and_expectation(
    write_config: Callable[..., Path], isolated_home: Path, text: str, key: str, expected: str
) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config(None, {}, isolated_home)
    message = caught.value.message
    assert str(path) in message and key in message and expected in message
    assert caught.value.exit_code == ExitCode.USAGE


def test_config_toml_syntax_error_names_the_line(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config('operator = "a"\n\n[sites.web\n')
    with pytest.raises(ConfigError, match=r"line 3"):
        load_config(None, {}, isolated_home)


def test_config_type_errors_never_echo_a_secret_value(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config(BASE + 'magento_token = ["tok-SECRET-9"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(None, {}, isolated_home)
    assert "must be a string, not an array" in caught.value.message
    assert "tok-SECRET-9" not in str(caught.value)


# --- sites ------------------------------------------------------------------------------------


def test_config_select_sites_one_all_named(
    write_config: Callable[..., Path], isolated_home: Path, secrets_env: dict[str, str]
) -> None:
    write_config(SITE.format(name="web"))
    single = load_config(None, secrets_env, isolated_home)
    assert [s.name for s in select_sites(single, None)] == ["web"]
    write_config(SITE.format(name="web") + SITE.format(name="outlet"))
    several = load_config(None, secrets_env, isolated_home)
    assert [s.name for s in select_sites(several, None)] == ["web", "outlet"]
    assert [s.name for s in select_sites(several, "outlet")] == ["outlet"]


def test_config_two_sites_claiming_one_magento_store_for_different_counterpoint_stores_are_refused(
    write_config: Callable[..., Path], isolated_home: Path, secrets_env: dict[str, str]
) -> None:
    """A forgotten magento_store_ids (default [1]) gave the outlet every order of web's store: read
    against the outlet's Counterpoint store, web's flagged findings showed as stale flags to resolve."""
    outlet = SITE.format(name="outlet").replace("https://outlet.example.com", "HTTPS://Web.example.com:443/")
    write_config(SITE.format(name="web") + outlet + 'counterpoint_store = "OUTLET"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(None, secrets_env, isolated_home)
    assert "sites.outlet.magento_store_ids" in caught.value.message
    assert "store 1 of https://web.example.com, which sites.web links to Counterpoint store 'WEB'" in (
        caught.value.message
    )
    assert caught.value.exit_code == ExitCode.USAGE and "magento_store_ids" in (caught.value.hint or "")
    write_config(SITE.format(name="web") + outlet + "magento_store_ids = [2]\n")  # its own store: fine
    assert len(load_config(None, secrets_env, isolated_home).sites) == 2
    write_config(SITE.format(name="web") + outlet + 'counterpoint_store = " web"\n')  # the same link
    assert len(load_config(None, secrets_env, isolated_home).sites) == 2


def _site(name: str, stores: tuple[int, ...]) -> SiteConfig:
    return SiteConfig(
        name=name, magento_url="https://web.example.com", magento_token="t", counterpoint_dsn="d",
        magento_store_ids=stores,
    )


# doctor's note on sites that read one Magento store (one shop, two logins): each of its orders shows
# once per site. A store one site lists twice (magento_store_ids = [1, 1]) is still read by one site.
@pytest.mark.parametrize(
    ("sites", "noted"),
    [
        pytest.param([_site("web", (1,)), _site("admin", (1,))], [("web", "admin")], id="two-sites"),
        pytest.param([_site("web", (1, 1))], [], id="one-site-listing-a-store-twice"),
        pytest.param([_site("web", (1, 1)), _site("admin", (1,))], [("web", "admin")], id="twice-and-shared"),
        pytest.param([_site("web", (1,)), _site("outlet", (2,))], [], id="stores-of-their-own"),
    ],
)
def test_config_doctor_notes_only_stores_several_sites_read(
    sites: list[SiteConfig], noted: list[tuple[str, ...]]
) -> None:
    from c5attn.cli.doctor_cmd import shared_store_notes

    notes = shared_store_notes(sites, {site.name for site in sites})
    assert [note.detail.split(" read the same orders")[0] for note in notes] == [
        f"sites {', '.join(names)}" for names in noted
    ]


def test_config_unknown_site_lists_the_names(write_config: Callable[..., Path], isolated_home: Path) -> None:
    write_config(SITE.format(name="web") + SITE.format(name="outlet"))
    with pytest.raises(ConfigError, match=r"unknown site 'webb' \(from C5ATTN_SITE\).*web, outlet"):
        load_config(None, {"C5ATTN_SITE": "webb"}, isolated_home)
    with pytest.raises(ConfigError, match="did you mean web"):
        load_config(None, {"C5ATTN_SITE": "WEB"}, isolated_home)
    with pytest.raises(ConfigError, match="C5ATTN_SITE is set but empty"):  # as --site "": not every site
        load_config(None, {"C5ATTN_SITE": " "}, isolated_home)
    assert load_config(None, {"C5ATTN_SITE": ""}, isolated_home, site="web").site == "web"  # --site wins
    config = load_config(None, {}, isolated_home)
    with pytest.raises(ConfigError, match="the configured sites are: web, outlet") as caught:
        select_sites(config, "webb")
    assert caught.value.hint is not None and "did you mean web?" in caught.value.hint


def test_config_select_sites_without_sites_says_how_to_start(isolated_home: Path) -> None:
    with pytest.raises(ConfigError, match="no site is configured") as caught:
        select_sites(load_config(None, {}, isolated_home), None)
    assert caught.value.hint is not None and "c5attn config init" in caught.value.hint


def test_config_a_file_without_sites_is_edited_not_written_again(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    """`config init` refuses to write over the file that was read: the hint must not send there."""
    path = write_config('operator = "jane"\n')
    with pytest.raises(ConfigError, match="no site is configured") as caught:
        select_sites(load_config(None, {}, isolated_home), None)
    hint = caught.value.hint or ""
    assert f"Add a [sites.NAME] table to {path}" in hint and "c5attn config init`" not in hint


def test_config_missing_secret_stops_only_its_own_site(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config(
        SITE.format(name="web") + SITE.format(name="outlet").replace("env:MAGENTO_TOKEN", "env:OUTLET_TOKEN")
    )
    config = load_config(
        None, {"MAGENTO_TOKEN": "t", "CP_DSN": "d"}, isolated_home
    )  # loading never fails on it
    assert select_sites(config, "web")[0].magento_token == "t"
    with pytest.raises(
        ConfigError, match=r"sites\.outlet\.magento_token: environment variable OUTLET_TOKEN is not set"
    ):
        select_sites(config, "outlet")
    with pytest.raises(ConfigError, match="OUTLET_TOKEN") as every_site:
        select_sites(config, None)
    assert (every_site.value.hint or "").endswith("to work on the other sites meanwhile: --site web")
    with pytest.raises(ConfigError) as alone:
        select_sites(config, "outlet")
    assert "--site" not in (alone.value.hint or "")  # no other site to point at


@pytest.mark.parametrize("value", ["tok-123\r", " tok-123 ", "tok-123\r\n"])
def test_config_a_token_loses_the_blanks_around_it(
    write_config: Callable[..., Path], isolated_home: Path, value: str
) -> None:
    """A variable set from a Windows-edited file ends in "\r", which no HTTP header may hold."""
    write_config(SITE.format(name="web"))
    config = load_config(None, {"MAGENTO_TOKEN": value, "CP_DSN": "d"}, isolated_home)
    assert select_sites(config, "web")[0].magento_token == "tok-123"


@pytest.mark.parametrize("value", ["tök-€", "tok 123", "tok\x00123", "tok\n123"])
def test_config_a_token_no_header_can_hold_is_refused_without_showing_it(
    write_config: Callable[..., Path], isolated_home: Path, value: str
) -> None:
    write_config(SITE.format(name="web"))
    config = load_config(None, {"MAGENTO_TOKEN": value, "CP_DSN": "d"}, isolated_home)
    with pytest.raises(ConfigError, match=r"sites\.web\.magento_token: is not a token") as caught:
        select_sites(config, "web")
    assert value not in str(caught.value) and "123" not in str(caught.value)


def test_config_file_secret_is_resolved_relative_to_the_config_file(
    write_config: Callable[..., Path], isolated_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "etc"
    secret = folder / "token.txt"
    folder.mkdir()
    secret.write_text("tok-from-file\n")
    secret.chmod(0o600)
    path = write_config(SITE.format(name="web").replace("env:MAGENTO_TOKEN", "file:token.txt"), folder=folder)
    site = select_sites(load_config(str(path), {"CP_DSN": "d"}, isolated_home), None)[0]
    assert site.magento_token == "tok-from-file"


def test_config_oauth_secrets_are_resolved(write_config: Callable[..., Path], isolated_home: Path) -> None:
    write_config(
        BASE + 'magento_oauth = { consumer_key = "ck", consumer_secret = "env:CS", access_token = "env:AT", '
        'access_token_secret = "env:ATS" }\n'
    )
    env = {"CS": "cs-SECRET", "AT": "at-SECRET", "ATS": "ats-SECRET", "CP_DSN": "d"}
    oauth = select_sites(load_config(None, env, isolated_home), None)[0].magento_oauth
    assert oauth is not None
    assert (oauth.consumer_key, oauth.consumer_secret, oauth.access_token, oauth.access_token_secret) == (
        "ck",
        "cs-SECRET",
        "at-SECRET",
        "ats-SECRET",
    )


# --- display and redaction ----------------------------------------------------------------------


def test_config_describe_hides_secrets_and_says_whether_references_resolve(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config(
        BASE.replace("env:CP_DSN", "DRIVER={FreeTDS};UID=c5;PWD={pw;SECRET-3}")
        + 'magento_admin_user = "api"\n'
        'magento_admin_password = "pass-SECRET-4"\n' + SITE.format(name="outlet")
    )
    config = load_config(None, {"MAGENTO_TOKEN": "tok-SECRET-1"}, isolated_home)
    shown = {(site, key): value for site, key, value, _ in describe(config)}
    assert shown[("web", "counterpoint_dsn")] == "DRIVER={FreeTDS};UID=c5;PWD=***"
    assert shown[("web", "magento_admin_password")] == "***"
    assert shown[("web", "magento_admin_user")] == "api"
    assert shown[("outlet", "magento_token")] == "env:MAGENTO_TOKEN (set)"
    assert shown[("outlet", "counterpoint_dsn")] == "env:CP_DSN (not set)"
    everything = repr(describe(config)) + repr(config)
    for secret in ("SECRET-1", "SECRET-3", "SECRET-4"):
        assert secret not in everything
    assert plaintext_secrets(config) == ["sites.web.counterpoint_dsn", "sites.web.magento_admin_password"]


def test_config_passwordless_dsn_is_not_called_a_plain_text_secret(
    write_config: Callable[..., Path], isolated_home: Path
) -> None:
    write_config(BASE.replace("env:CP_DSN", "sqlite:///var/cp.db") + AUTH)
    config = load_config(None, {"MAGENTO_TOKEN": "t"}, isolated_home)
    assert plaintext_secrets(config) == []
    assert ("web", "counterpoint_dsn", "sqlite:///var/cp.db") in [row[:3] for row in describe(config)]


def test_config_site_config_repr_has_no_secret_fields() -> None:
    hidden = {f.name for f in fields(SiteConfig) if not f.repr}
    assert {"counterpoint_dsn", "magento_token", "magento_admin_password"} <= hidden
    config = Config(
        operator="o",
        sites={
            "w": SiteConfig(
                name="w", magento_url="u", counterpoint_dsn="dsn-SECRET", magento_token="tok-SECRET"
            )
        },
    )
    assert "SECRET" not in repr(config)


# --- state -------------------------------------------------------------------------------------


def test_config_state_dir_is_c5attn_home_else_the_user_data_dir(tmp_path: Path) -> None:
    assert state_dir({"C5ATTN_HOME": str(tmp_path / "h")}) == tmp_path / "h"
    assert state_dir({}) == tmp_path / "xdg-data" / "c5attn"
    assert os.environ["XDG_DATA_HOME"] == str(tmp_path / "xdg-data")
