"""``c5attn doctor``: checks of every site's Magento and Counterpoint connections that write nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from c5attn.cli.context import get_env
from c5attn.errors import C5Error, ExitCode

if TYPE_CHECKING:
    from c5attn.config import SiteConfig
    from c5attn.counterpoint.store import CounterpointStore


@dataclass(frozen=True)
class Check:
    """One line of the report: ``ok`` True/False, or None for a note (what it cannot tell, or
    should say)."""

    site: str
    name: str
    ok: bool | None
    detail: str


def magento_checks(site: SiteConfig, trace: Callable[[str], None] | None = None) -> list[Check]:
    from c5attn.magento.client import MagentoClient, RetryPolicy
    from c5attn.magento.errors import excerpt

    checks = []
    # A check reports rather than insists: one retry absorbs a blip, and a server refusing
    # connections fails at once instead of after a scan's six attempts (~7 s of backoff).
    with MagentoClient(site, trace=trace, retry=RetryPolicy(max_attempts=2)) as client:
        try:
            version = client.magento_version()
        except C5Error as error:
            checks.append(Check(site.name, "Magento reachable", False, str(error)))
            return checks
        if version.startswith("Magento/"):  # "Magento/2.4 (Community)"
            checks.append(
                Check(site.name, "Magento reachable", True, f"{site.magento_url} answers: {version}")
            )
        else:  # a web page, a proxy's: the credentials check below tells more
            checks.append(
                Check(
                    site.name,
                    "Magento reachable",
                    False,
                    f"{site.magento_url}/magento_version answers, but not as Magento does "
                    f"({excerpt(version, 60)}): check magento_url",
                )
            )
        try:
            client.check_auth()
            checks.append(Check(site.name, "Magento credentials", True, "may search orders"))
        except C5Error as error:
            checks.append(Check(site.name, "Magento credentials", False, str(error)))
        if "2.4.7" in version:
            checks.append(
                Check(
                    site.name,
                    "Magento version",
                    None,
                    "2.4.7 GA ignores statuses sent with comments: every write is read back",
                )
            )
    needs = site.needs_attention_status
    states = [state for state, statuses in sorted(site.state_statuses.items()) if needs in statuses]
    checks.append(
        Check(
            site.name,
            "order statuses",
            None,
            f"Magento has no API that lists which statuses a state has, so this is not checked: in the admin "
            f"(Stores > Order Status) {needs!r} must be assigned to {', '.join(states) or 'no state'}, "
            "as state_statuses says",
        )
    )
    return checks


def counterpoint_checks(
    site: SiteConfig, now: datetime, trace: Callable[[str], None] | None = None
) -> list[Check]:
    from c5attn.counterpoint.store import CounterpointStore
    from c5attn.secrets import redact_dsn

    try:
        with CounterpointStore(site, trace=trace) as store:
            report = store.check_schema()
            readable = not report.problems()
            writes = _writes_check(site, store) if readable else None
            values = [*_values_checks(site, store), _timezone_check(site, store, now)] if readable else []
    except C5Error as error:
        return [Check(site.name, "Counterpoint database", False, str(error))]
    checks = [
        Check(
            site.name,
            "Counterpoint database",
            True,
            f"{redact_dsn(site.counterpoint_dsn)[0]} ({report.dialect})",
        )
    ]
    problems = report.problems()
    if problems:
        checks.extend(Check(site.name, "Counterpoint schema", False, problem) for problem in problems)
    else:
        tables = len(report.tables)
        checks.append(
            Check(site.name, "Counterpoint schema", True, f"all {tables} configured tables readable")
        )
        checks.extend([writes] if writes else [])
        checks.extend(values)
    optional = [
        f"{t.configured}.{c.configured}"
        for t in report.tables
        for c in t.columns
        if c.status == "optional, absent"
    ]
    if optional:
        checks.append(
            Check(site.name, "optional columns", None, f"absent, not needed: {', '.join(optional)}")
        )
    return checks


def site_checks(site: SiteConfig, now: datetime, trace: Callable[[str], None] | None = None) -> list[Check]:
    """A site's checks; a secret that cannot be resolved fails its own check, and only the side it
    belongs to goes unchecked (an unset Magento token leaves Counterpoint to check)."""
    missing = site.secret_errors
    checks = [Check(site.name, "configuration", False, str(error)) for error in missing.values()]
    if not any(not key.startswith("counterpoint") for key in missing):
        checks.extend(magento_checks(site, trace))
    if "counterpoint_dsn" not in missing:
        checks.extend(counterpoint_checks(site, now, trace))
    return checks


def _writes_check(site: SiteConfig, store: CounterpointStore) -> Check:
    """Whether the login may dismiss order errors, asked without dismissing any."""
    try:
        store.check_dismiss_allowed(datetime.now(UTC))
    except C5Error as error:
        return Check(site.name, "Counterpoint writes", False, f"dismissing order errors would fail: {error}")
    return Check(site.name, "Counterpoint writes", True, "may dismiss order errors")


def _values_checks(site: SiteConfig, store: CounterpointStore) -> list[Check]:
    """``counterpoint_store`` and ``web_pay_codes`` against the data: a wrong one passes every
    other check, then reads every web order as not imported or every web payment as manual."""
    try:
        found = store.values_in_use()
    except C5Error as error:
        return [Check(site.name, "Counterpoint values", False, f"could not read them: {error}")]
    code = site.counterpoint_store
    if found.store:
        checks = [Check(site.name, "counterpoint_store", True, f"orders of store {code!r} found")]
    elif found.any_order:
        detail = (
            f"no {found.searched} has STR_ID {code!r}: check "
            "counterpoint_store (as it is, every Magento order reads as not imported)"
        )
        checks = [Check(site.name, "counterpoint_store", False, detail)]
    else:
        checks = [Check(site.name, "counterpoint_store", None, "no orders in Counterpoint yet: not checked")]
    codes = ", ".join(site.web_pay_codes)
    if found.web_pay_codes:
        checks.append(Check(site.name, "web_pay_codes", True, f"payments with {codes} found"))
    elif found.web_pay_codes is False:
        detail = (
            f"no Counterpoint payment uses {codes}: if Commerce5 imports web orders paid, check the pay "
            "code it gives their deposits (as it is, each would count as a manual deposit); if it "
            "imports them unpaid, this is expected"
        )
        checks.append(Check(site.name, "web_pay_codes", None, detail))
    return checks


def _timezone_check(site: SiteConfig, store: CounterpointStore, now: datetime) -> Check:
    """``counterpoint_timezone`` against the recent release tickets: a wrong zone passes every other
    check, then shifts each ticket time without RS_UTC_DT by hours (capture-failed early or late)."""
    from c5attn.counterpoint.timezone_check import RECENT, zone_verdict

    name = "Counterpoint time zone"
    try:
        sample = store.ticket_times(now - RECENT)
    except C5Error as error:
        return Check(site.name, name, False, f"could not read the ticket times: {error}")
    verdict = zone_verdict(
        site.counterpoint_timezone,
        sample.pairs,
        now,
        grace_minutes=site.capture_grace_minutes,
        rs_utc_dt_column=sample.rs_utc_dt_column,
    )
    return Check(site.name, name, verdict.ok, verdict.detail)


def shared_store_notes(configured: Iterable[SiteConfig], chosen: set[str]) -> list[Check]:
    """A note where sites of ``chosen`` read one Magento store with others (one shop, two logins,
    which the configuration allows): a command on every site shows each of its orders once per
    site, and ``show``, ``resolve`` and ``dismiss-error`` ask for ``--site`` on each of them."""
    from c5attn.config import store_readers

    shared: dict[tuple[str, ...], list[str]] = {}  # the sites → the stores they share
    for (magento, store), readers in store_readers(configured).items():
        names = tuple(site.name for site in readers)
        if len(names) > 1 and chosen.intersection(names):
            where = f"store {store} of {magento}, Counterpoint store {readers[0].counterpoint_store!r}"
            shared.setdefault(names, []).append(where)
    return [
        Check(
            names[0],
            "shared store",
            None,
            f"sites {', '.join(names)} read the same orders ({'; '.join(stores)}): a command on every "
            "site shows each of them once per site; choose one with --site NAME",
        )
        for names, stores in shared.items()
    ]


def doctor(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check each site's Magento (reachable, credentials, version) and Counterpoint (login, schema).

    Writes nothing (dismissing is asked with an update of no row). Exits 1 when a check fails.
    """
    from contextlib import ExitStack

    from c5attn.cli.render import print_checks, print_json
    from c5attn.cli.sessions import tracer, use_sandbox
    from c5attn.config import select_sites

    env = get_env(ctx)
    trace = tracer(env)
    checks: list[Check] = []
    with ExitStack() as stack:
        if env.sandbox:
            use_sandbox(env, stack)
        sites = select_sites(env.config, env.config.site, unresolved=True)
        for site in sites:
            checks.extend(site_checks(site, env.now(), trace))
    checks.extend(shared_store_notes(env.config.sites.values(), {site.name for site in sites}))
    if json_out:
        print_json(env.stdout_file, [check.__dict__ for check in checks], readable=env.stdout_is_tty)
    else:
        lines = [(check.ok, f"{check.site}: {check.name}: {check.detail}") for check in checks]
        print_checks(env.stdout, lines, plain=not env.stdout_is_tty)
    if any(check.ok is False for check in checks):
        raise typer.Exit(ExitCode.ERROR)
