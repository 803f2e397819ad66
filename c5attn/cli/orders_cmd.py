"""The operator's commands: scan, list, show, resolve, dismiss-error and log.

Each parses its options, calls ``c5attn.workflow`` and renders; nothing here decides anything.
"""

from __future__ import annotations

import heapq
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any

import typer

from c5attn.cli.context import get_env
from c5attn.cli.sessions import confirm_write, on_every_site, open_sessions, progress_reporters
from c5attn.errors import (
    AuditIncomplete,
    AuditUnwritable,
    C5Error,
    ExitCode,
    Interrupted,
    PartialFailure,
    UsageError,
)
from c5attn.wording import STATUS_KEPT_CAUSE, counted, status_change

if TYPE_CHECKING:
    from c5attn.cli.context import CliEnv
    from c5attn.models import MagentoOrder, OrderError
    from c5attn.verdict import Verdict
    from c5attn.workflow import Reported, ScanResult, SiteSession, WriteResult

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the data as JSON (a stable contract, docs/output.md).")
]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print the data as CSV.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")]
OrderArg = Annotated[str, typer.Argument(metavar="ORDER", help="The Magento order number (increment ID).")]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(metavar="CODE", help="Only this scenario (a code or its number), or: stale, unclassified."),
]
# A write plan longer than this is summarised on the terminal.
PLAN_LINES = 25

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")]
DEFAULT_SINCE = "30d"


@contextmanager
def write_locks(env: CliEnv, session: SiteSession) -> Iterator[None]:
    """The site's lock on this host (a file), then in its Counterpoint database (other hosts).

    Taken only once the state folder and the audit log are known to be writable: a write that
    could not be recorded is not made."""
    from c5attn.lock import site_lock

    state = env.writable_state_dir()
    session.audit.check_writable()
    with site_lock(state, session.site.name), session.counterpoint.write_lock():
        yield


def _output_format(json_out: bool, csv_out: bool) -> str:
    if json_out and csv_out:
        raise UsageError("--json and --csv cannot be used together", "choose one")
    return "json" if json_out else "csv" if csv_out else "table"


def _refuse_without(needed: str, given: dict[str, bool], use: str) -> None:
    """Refuse options that do nothing without ``needed``: a script must not believe they acted.
    ``use`` says what ``needed`` is for, in the hint."""
    if names := [name for name, on in given.items() if on]:
        options = " and ".join(names)
        works = "works" if len(names) == 1 else "work"
        raise UsageError(
            f"{options} only {works} with {needed}", f"add {needed} {use}, or leave out {options}"
        )


def _print_reported(
    env: CliEnv,
    reported: Iterable[Reported],
    fmt: str,
    title: str,
    scenario: str | None,
    sessions: Sequence[SiteSession],
) -> None:
    """Spooled records in the order given, streamed: JSON as spooled, CSV and the table read back
    from the spool (the table again for each pass: it measures its columns, then prints them), the
    table led by ``scenario``."""
    from c5attn.cli.render import Reread, print_csv, print_json_texts, print_verdict_table

    if fmt == "json":
        print_json_texts(env.stdout_file, (item.text for item in reported), pretty=env.stdout_is_tty)
    elif fmt == "csv":
        print_csv(env.stdout_file, (item.record for item in reported))
    elif listed := list(reported):  # their sort keys and where their records are: ~100 bytes each

        def records() -> Iterator[dict[str, Any]]:
            rows = (item.record for item in listed)
            return rows if scenario is None else _led_by(rows, scenario)

        commands = {session.site.name: env.command(session.site.name) for session in sessions}
        table = Reread(records)
        print_verdict_table(env.stdout, table, plain=not env.stdout_is_tty, title=title, commands=commands)


def scan(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WINDOW",
            help=f"Orders updated in this window: {DEFAULT_SINCE} (the default), 12h, 90m, 2w or YYYY-MM-DD.",
        ),
    ] = None,
    all_orders: Annotated[bool, typer.Option("--all", help="Every order, whatever its age.")] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Flag each new finding Needs Attention (asks first).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --apply: flag without asking.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --apply: show what would be flagged; write nothing.")
    ] = False,
    fail_if_found: Annotated[
        bool, typer.Option("--fail-if-found", help="Exit 6 when unresolved findings exist (for cron).")
    ] = False,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
) -> None:
    """Find the orders in one of the five scenarios (read-only unless --apply).

    Example: c5attn scan --since 7d ; c5attn scan --apply --yes ; c5attn scan --scenario 2
    """
    from c5attn.magento.search import order_filters
    from c5attn.timeparse import parse_since

    env = get_env(ctx)
    fmt = _output_format(json_out, csv_out)
    if not apply:
        _refuse_without(
            "--apply",
            {"--yes": yes, "--dry-run": dry_run},
            "to flag the findings (--dry-run then only shows what it would flag)",
        )
    if all_orders and since is not None:
        raise UsageError(
            "--all and --since cannot be used together: --all scans every order, whatever its age",
            "leave out --since to scan every order, or --all to scan the window",
        )
    if since is None:
        since = DEFAULT_SINCE
    window = None if all_orders else parse_since(since, env.now(), env.time_zone)
    wanted = _scenario_filter(scenario)  # an unknown one is refused before any network call
    if apply and not dry_run:  # flags it could not record are not made: say so before the scan, not after
        from c5attn.audit import AuditLog

        AuditLog(env.writable_state_dir()).check_writable()
    with open_sessions(env, prefetch=lambda site: order_filters(since=window)) as sessions:
        from c5attn.cli.render import scan_summary
        from c5attn.workflow import by_risk, scan_site, unassigned_notes

        scanned = on_every_site(
            env,
            sessions,
            "scanning",
            lambda session, progress: scan_site(
                session, since=window, for_apply=apply, progress=progress, wanted=wanted
            ),
        )
        results = list(zip(sessions, scanned, strict=True))
        reported = heapq.merge(*(result.reported for _, result in results), key=by_risk)
        _print_reported(env, reported, fmt, "Orders needing attention", scenario, sessions)
        since_utc = None if window is None else window.astimezone(UTC)
        scope = "of any age" if since_utc is None else f"updated since {since_utc:%Y-%m-%d %H:%M} UTC"
        for line in scan_summary([result for _, result in results], scope):
            env.say(line)
        if scenario is not None:  # the counts above name each order by its first scenario only
            listed = counted(sum(len(result.reported) for _, result in results), "order")
            kept = f"--scenario {scenario.strip()}"
            env.say(f"listed: {listed} that {kept} keeps, whatever their first scenario")
        if unflagged_since := sum(result.unflagged_since for _, result in results):
            one = unflagged_since == 1
            them = "it" if one else "them"
            env.say(
                f"{counted(unflagged_since, 'finding')} {'carries' if one else 'carry'} c5attn's flag "
                f"comment but {'is' if one else 'are'} not at Needs Attention "
                "(the status was changed by hand, or Magento ignored it): set it in the Magento admin, "
                f"or mark {them} done with resolve (scan --json lists {them}, flagged false)"
            )
        for session, result in results:  # left out of --apply's plan, and of the count it would flag
            for note in unassigned_notes(session.site, result.unassigned):
                env.say(note)
        if apply:
            _apply_flags(env, results, yes=yes, dry_run=dry_run, scenario=scenario)
        elif unflagged := sum(result.unflagged for _, result in results):
            command = sessions[0].command if len(sessions) == 1 else env.command()
            narrowed = f" --scenario {shlex.quote(scenario.strip())}" if scenario is not None else ""
            env.say(
                f"{counted(unflagged, 'finding')} {'is' if unflagged == 1 else 'are'} not flagged Needs "
                f"Attention yet; to flag {'it' if unflagged == 1 else 'them'}: "
                f"{command} scan --apply" + (" --all" if all_orders else f" --since {since}") + narrowed
            )
    if fail_if_found and any(result.selected for _, result in results):
        raise typer.Exit(ExitCode.FOUND)


def _scenario_filter(scenario: str | None) -> Callable[[Verdict], bool] | None:
    """What ``--scenario`` keeps (``workflow.queue_filter``), or None without it; refuses an unknown
    or empty one."""
    if scenario is None:
        return None
    from c5attn.workflow import queue_filter

    return queue_filter(scenario)


def _apply_flags(
    env: CliEnv,
    results: list[tuple[SiteSession, ScanResult]],
    *,
    yes: bool,
    dry_run: bool,
    scenario: str | None = None,
) -> None:
    """Show the flags a scan found (among the orders ``--scenario`` kept), confirm, then write
    them under the site lock."""
    from c5attn.workflow import SITE_DOWN, flag_findings, raise_if_partial, settle_interrupted_flags

    if not dry_run:
        for session, result in results:
            with write_locks(env, session):
                settle_interrupted_flags(session, result)
    plans = [(session, result.to_flag) for session, result in results]
    total = sum(len(targets) for _, targets in plans)
    if not total:
        among = f" among the orders that --scenario {scenario.strip()} keeps" if scenario is not None else ""
        if any(result.unassigned for _, result in results):  # those named above aside
            env.say(f"nothing else to flag{among}: every other finding is already flagged or resolved")
        else:
            env.say(f"nothing to flag{among}: every finding is already flagged or resolved")
        return
    shown = 0
    for session, targets in plans:
        for target in targets[: max(PLAN_LINES - shown, 0)]:
            env.say(
                f"{'would' if dry_run else 'will'} flag {target.increment_id} ({session.site.name}): "
                f"{status_change(target.status, session.site.needs_attention_status)}, "
                f"{', '.join(target.scenarios)}"
            )
            shown += 1
    if total > shown:
        env.say(f"… and {total - shown:,} more, {total:,} in all (all in the scan's output, not flagged yet)")
    operator = results[0][0].operator
    env.say(
        "each flag: the status above and a comment with its scenarios, why, the follow-up steps, "
        f"signed {operator}, and a [c5attn:flag fp=…] marker; customers are not notified"
    )
    question = f"Flag {counted(total, 'order')} Needs Attention?"
    if not confirm_write(env, question, yes=yes, dry_run=dry_run):
        return
    outcomes: list[WriteResult] = []
    stopped: list[tuple[str, C5Error]] = []  # sites whose Magento stopped answering, and why
    try:
        # A bar on a terminal: each flag is a read and two writes, seconds for a few hundred.
        with progress_reporters(env, ["flagging"]) as (report,):
            for session, targets in plans:
                if not targets:
                    continue
                with write_locks(env, session):
                    try:
                        for outcome in flag_findings(session, targets):
                            if not outcome.ok or outcome.skipped or env.verbose:
                                env.say(f"{_mark(outcome)} {outcome.label}: {outcome.message}")
                            outcomes.append(outcome)
                            if report is not None:
                                report(len(outcomes), total)
                    except SITE_DOWN as stop:  # its other orders would each fail after their retries
                        name = session.site.name
                        env.say(f"STOPPED site {name}: {stop.message}; its other orders not attempted")
                        stopped.append((name, stop))
    except AuditIncomplete as stop:  # the flags written so far stand: say how many
        raise AuditIncomplete(
            f"{_flagged(outcomes):,} of {counted(total, 'order')} flagged before it; {stop.message}",
            stop.hint,
        ) from None
    except AuditUnwritable as stop:  # before the next flag: those written so far stand
        if not _flagged(outcomes):
            raise
        raise AuditIncomplete(
            f"{_flagged(outcomes):,} of {counted(total, 'order')} flagged, then the audit log failed: "
            f"{stop.message}",
            "those flags stand; make the audit log writable (or set C5ATTN_HOME), then run the same "
            "scan --apply again to flag the rest",
        ) from None
    except (KeyboardInterrupt, Interrupted) as stop:
        in_flight = f"; {stop.message}" if isinstance(stop, Interrupted) else ""
        command = results[0][0].command if len(results) == 1 else env.command()
        raise Interrupted(
            f"{_flagged(outcomes):,} of {counted(total, 'order')} flagged before the run was stopped"
            + in_flight,
            f"see each write with: {command} log; run the same scan --apply again to flag the rest "
            "(an order already flagged is never flagged twice)",
        ) from None
    env.say(f"{counted(_flagged(outcomes), 'order')} flagged Needs Attention (customers not notified)")
    if stopped:
        _raise_stopped(stopped, outcomes, total, alone=len([p for p in plans if p[1]]) == 1)
    raise_if_partial(outcomes, "flags")


def _raise_stopped(
    stopped: Sequence[tuple[str, C5Error]], outcomes: Sequence[WriteResult], total: int, *, alone: bool
) -> None:
    """The end of a ``scan --apply`` during which a site's Magento stopped answering: that error
    itself where nothing else was tried, else how far it got."""
    from c5attn.workflow import naming_site

    name, first = stopped[0]
    if alone and not outcomes:
        raise naming_site(first, name)
    failed = sum(not outcome.ok for outcome in outcomes)
    unverified = sum(outcome.unverified for outcome in outcomes)
    sites = ", ".join(site for site, _ in stopped)
    raise PartialFailure(
        f"{_flagged(outcomes):,} of {counted(total, 'order')} flagged"
        + (f", {failed:,} failed ({unverified:,} unverified)" if failed else "")
        + f"; site {sites} stopped answering ({first.message}): its other orders were not attempted",
        f"{first.hint or 'check that Magento answers'}; then run the same command again: finished "
        "writes are not repeated (each FAILED or UNVERIFIED line above says what to check first)",
    )


def _mark(outcome: WriteResult) -> str:
    """How a flag's outcome is announced at the head of its line."""
    if outcome.unverified:
        return "UNVERIFIED"
    if not outcome.ok:
        return "FAILED"
    return "skipped" if outcome.skipped else "flagged"


def _flagged(outcomes: Sequence[WriteResult]) -> int:
    return sum(1 for outcome in outcomes if outcome.ok and not outcome.skipped)


def list_queue(
    ctx: typer.Context,
    scenario: ScenarioOpt = None,
    older_than: Annotated[
        str | None, typer.Option(metavar="AGE", help="Only orders placed longer ago than this (3d).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, metavar="N", help="At most this many orders.")] = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
) -> None:
    """The Needs Attention queue, highest money at risk first, with the next step.

    Example: c5attn list --scenario capture-failed --older-than 2d
    """
    from c5attn.magento.search import order_filters
    from c5attn.timeparse import parse_age

    env = get_env(ctx)
    fmt = _output_format(json_out, csv_out)
    _scenario_filter(scenario)  # refuse an unknown code (or an empty one) before any network call
    cutoff = env.now() - parse_age(older_than) if older_than is not None else None
    with open_sessions(
        env, prefetch=lambda site: order_filters(status=site.needs_attention_status)
    ) as sessions:
        from c5attn.workflow import by_risk, needs_attention_queue

        queues = on_every_site(
            env,
            sessions,
            "reading",
            lambda session, progress: needs_attention_queue(
                session, scenario=scenario, older_than=cutoff, progress=progress
            ),
        )
    found = sum(len(queue) for queue in queues)
    shown = min(found, limit or found)
    listed = islice(heapq.merge(*queues, key=by_risk), shown)
    _print_reported(env, listed, fmt, "Needs Attention", scenario, sessions)
    if fmt == "table":
        filtered = scenario is not None or older_than is not None
        env.say(_queue_count(shown, found, filtered=filtered))


def _led_by(rows: Iterable[dict[str, Any]], wanted: str) -> Iterator[dict[str, Any]]:
    """Queue rows as the table shows them under ``--scenario``: the scenario asked for first (its
    label, colour and next step), not each order's first by the rules' order; the data unchanged.
    ``stale`` and ``unclassified`` name no scenario: their rows stay as they are."""
    from c5attn.scenarios import scenario_for, steps_for_order

    if wanted.strip().lower() in ("stale", "unclassified"):
        yield from rows
        return
    scenario = scenario_for(wanted)
    for row in rows:
        if row.get("scenario") == scenario.code or scenario.code not in (row.get("scenarios") or []):
            yield row
        else:
            first = steps_for_order(scenario.actions[:1], str(row["order"]))
            yield {**row, "scenario": scenario.code, "steps": [*first, *row.get("steps", [])]}


def _queue_count(shown: int, found: int, *, filtered: bool) -> str:
    """The line under the queue: how many orders it holds, and how many of them --limit shows."""
    if not found:
        return "no order at Needs Attention matches" if filtered else "no order is at Needs Attention"
    queue = f"{counted(found, 'order')} at Needs Attention"
    if filtered:
        queue += " matches" if found == 1 else " match"
    return queue if shown == found else f"{queue}; the first {shown} shown (--limit)"


def show(
    ctx: typer.Context,
    order: OrderArg,
    json_out: JsonOpt = False,
) -> None:
    """Both systems side by side, why the order is flagged, and what to do next.

    Example: c5attn show 000012345
    """
    from c5attn.cli.render import print_json, print_order_view
    from c5attn.workflow import locate_order, view_order

    env = get_env(ctx)
    with open_sessions(env) as sessions:
        session, found = locate_order(sessions, order, action="show", elsewhere=_elsewhere(env, sessions))
        view = view_order(session, found)
    if json_out:
        data = view.verdict.to_json(session.site.name, now=env.now(), open_errors=bool(view.open_errors))
        data["open_errors"] = [
            {
                "err_id": e.err_id,
                "err_typ": e.err_typ,
                "err_msg": e.err_msg,
                "err_dt": e.err_dt.isoformat() if e.err_dt else None,
                "email_cnt": e.email_cnt,
            }
            for e in view.open_errors
        ]
        data["comments"] = [
            {
                "created_at": c.created_at.isoformat() if c.created_at else None,
                "status": c.status,
                "comment": c.comment,
            }
            for c in view.comments
        ]
        print_json(env.stdout_file, data, readable=env.stdout_is_tty)
    else:
        print_order_view(env.stdout, view, env.now(), plain=not env.stdout_is_tty)


def resolve(
    ctx: typer.Context,
    order: OrderArg,
    status: Annotated[
        str | None,
        typer.Option(metavar="STATUS", help="The status to set; it must be assigned to the order's state."),
    ] = None,
    comment: Annotated[
        str | None, typer.Option(metavar="TEXT", help="A note for the order's comment history.")
    ] = None,
    dismiss_error: Annotated[
        bool, typer.Option("--dismiss-error", help="Also dismiss the Counterpoint order errors.")
    ] = False,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Take an order out of Needs Attention: set the status for its state, with a resolution comment.

    Example: c5attn resolve 000012345 --comment "captured by hand" --dismiss-error
    """
    from c5attn.workflow import execute_resolve, locate_order, plan_resolve, settle_earlier_write, view_order

    env = get_env(ctx)
    with open_sessions(env) as sessions:
        session, found = locate_order(sessions, order, action="resolve", elsewhere=_elsewhere(env, sessions))
        view = view_order(session, found)
        if reason := view.verdict.nothing_to_resolve:
            env.say(
                f"{found.increment_id}: not at Needs Attention (status {found.status}) and {reason}; "
                "nothing to resolve",
                result=True,
            )
            found_at = f"found out of Needs Attention, at status {found.status}"
            # Not in a dry run, which writes nothing, the audit log included (as scan --apply --dry-run).
            if not dry_run and settle_earlier_write(session, found, "resolve", found_at):
                env.say("  an earlier resolve of it, left unsettled in the audit log, landed: recorded there")
            if dismiss_error:  # the other half of what was asked still applies
                _dismiss_open_errors(env, session, view.verdict, view.open_errors, yes=yes, dry_run=dry_run)
            elif view.open_errors:
                _remind_of_open_errors(env, session, found, len(view.open_errors))
            return
        if view.verdict.resolve_kept_flagged:
            _resolved_but_kept_flagged(
                env, session, view.verdict, view.open_errors, dismiss_error, yes=yes, dry_run=dry_run
            )
            return
        plan = plan_resolve(
            session.site,
            view.verdict,
            operator=session.operator,
            status=status,
            note=comment,
            dismiss=dismiss_error,
            open_errors=view.open_errors,
        )
        env.say(f"order {found.increment_id} (site {session.site.name}, state {found.state}):")
        # A finding that was never flagged keeps its status: only the marker is new.
        env.say(f"  {status_change(found.status, plan.target_status)}, with the comment:")
        for line in plan.comment.splitlines():  # the note, then c5attn's marker
            env.say(f"    {line}")
        if dismiss_error:
            if plan.dismiss:
                env.say(f"  then dismiss {counted(len(plan.dismiss), 'open Counterpoint order error')}:")
            else:
                env.say("  no open Counterpoint order error to dismiss")
            _say_errors(env, plan.dismiss, indent="    ")
        env.say("  the customer is not notified")
        if hits := view.verdict.classification.hits:  # the usual case: the follow-up is outside c5attn
            from c5attn.cli.render import at_risk

            risk = at_risk(view.verdict.classification.money_at_risk, found.order_currency_code or "")
            env.say(
                f"  the data still shows {', '.join(hit.code for hit in hits)}{risk}: resolve "
                "records that its follow-up is done, and scans leave this evidence alone from then on"
            )
        if not confirm_write(env, "Resolve this order?", yes=yes, dry_run=dry_run):
            return
        with write_locks(env, session):
            outcome = execute_resolve(session, plan)
        written = status_change(outcome.status_change.before, outcome.status_change.after)
        env.say(f"{found.increment_id}: {written}; comment added", result=True)
        if outcome.dismissed is not None and (outcome.dismissed or plan.dismiss):  # none: the plan said so
            dismissed = f"{counted(outcome.dismissed, 'Counterpoint order error')} dismissed"
            env.say(f"{found.increment_id}: {dismissed}", result=True)
        elif outcome.dismissed is None and view.open_errors:
            _remind_of_open_errors(env, session, found, len(view.open_errors))


def _say_errors(env: CliEnv, errors: Sequence[OrderError], *, indent: str) -> None:
    """One line per error, as the operator confirms them: its id, type and message."""
    for error in errors:
        env.say(f"{indent}#{error.err_id} {error.err_typ}: {error.err_msg}")


def _resolved_but_kept_flagged(
    env: CliEnv,
    session: SiteSession,
    verdict: Verdict,
    open_errors: Sequence[OrderError],
    dismiss_error: bool,
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    """``resolve`` of an order whose earlier resolve comment landed and status did not (Magento
    2.4.7): another would only add the comment again. The dismissal, if asked, still applies."""
    order = verdict.order
    problem = (
        f"order {order.increment_id}: c5attn's resolution comment is already on it, but Magento kept it "
        f"at status {order.status} ({STATUS_KEPT_CAUSE})"
    )
    if dismiss_error:
        env.say(f"{problem}; set the status in the Magento admin")
        _dismiss_open_errors(env, session, verdict, open_errors, yes=yes, dry_run=dry_run)
        return
    then = f", then dismiss its order errors with: {session.command} dismiss-error {order.increment_id}"
    raise C5Error(
        f"{problem}; resolving it again would only add the comment again",
        "set the status in the Magento admin" + (then if open_errors else ""),
    )


def _remind_of_open_errors(env: CliEnv, session: SiteSession, order: MagentoOrder, count: int) -> None:
    env.say(
        f"{counted(count, 'Commerce5 order error')} {'is' if count == 1 else 'are'} still open, and "
        f"Commerce5 keeps e-mailing about {'it' if count == 1 else 'them'}: "
        f"{session.command} dismiss-error {order.increment_id}"
    )


def dismiss_error(
    ctx: typer.Context,
    order: OrderArg,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Dismiss the order's open Commerce5 order errors in Counterpoint, so the e-mails stop.

    Example: c5attn dismiss-error 000012345
    """
    from c5attn.workflow import assess_order, locate_order

    env = get_env(ctx)
    with open_sessions(env) as sessions:
        elsewhere = _elsewhere(env, sessions)
        session, found = locate_order(sessions, order, action="dismiss-error", elsewhere=elsewhere)
        verdict, errors = assess_order(session, found)  # not its comments: nothing shows them
        _dismiss_open_errors(env, session, verdict, errors, yes=yes, dry_run=dry_run)


def _dismiss_open_errors(
    env: CliEnv,
    session: SiteSession,
    verdict: Verdict,
    errors: Sequence[OrderError],
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    """Show the order's open Commerce5 errors, confirm, dismiss them under the site lock, and say
    what is left for an order still at Needs Attention."""
    from c5attn.workflow import dismiss_order_errors, settle_earlier_write

    order = verdict.order

    if not errors:
        env.say(f"{order.increment_id}: no open order errors; nothing to dismiss", result=True)
        if not dry_run and settle_earlier_write(session, order, "dismiss-error", "no open order error found"):
            env.say("  an earlier dismissal, left unsettled in the audit log, landed: recorded there")
        return
    where = f"order {order.increment_id} (site {session.site.name})"
    env.say(f"{where} has {counted(len(errors), 'open error')}:")
    _say_errors(env, errors, indent="  ")
    question = "Dismiss it?" if len(errors) == 1 else f"Dismiss these {len(errors)}?"
    if not confirm_write(env, question, yes=yes, dry_run=dry_run):
        return
    with write_locks(env, session):
        count = dismiss_order_errors(session, order, errors)
    env.say(f"{order.increment_id}: {counted(count, 'Counterpoint order error')} dismissed", result=True)
    if verdict.resolve_kept_flagged:  # resolve would refuse: the admin is the way out
        env.say(
            f"the order is still at Needs Attention ({STATUS_KEPT_CAUSE}): set its status in the admin"
        )
    elif order.status == session.site.needs_attention_status:
        env.say(
            f"the order is still at Needs Attention; when its follow-up is done: "
            f"{session.command} resolve {order.increment_id}"
        )


def log(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Argument(metavar="ORDER", help="Only this order.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, metavar="N", help="Only the last N writes.")] = None,
    every_entry: Annotated[
        bool, typer.Option("--all-entries", help="Also each write's 'started' entry, as --json has it.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """The local audit log of every write: when, who, site, order, action, before → after, result.

    Example: c5attn log 000012345 ; c5attn log --limit 20
    """
    from c5attn.audit import AuditLog
    from c5attn.cli.render import print_json_array, print_wide_table

    env = get_env(ctx)
    site = _logged_site(env)
    audit = AuditLog(env.state_dir())
    entries = list(audit.entries(order=order.strip() if order else None, site=site))
    if audit.unreadable:  # a run killed mid-write tears one line; more means the file was damaged
        lines = counted(audit.unreadable, "line")
        what = "is not an audit entry and was" if audit.unreadable == 1 else "are not audit entries and were"
        env.say(f"{lines} of {audit.path} {what} skipped")
    writes = settled_writes(entries)  # one entry a write
    if limit is not None:  # the last N writes, with every entry of each for --json and --all-entries
        writes = writes[-limit:]
        kept = {_write_of(entry) for entry in writes}
        entries = [entry for entry in entries if _write_of(entry) in kept]
    if json_out:
        print_json_array(env.stdout_file, entries, pretty=env.stdout_is_tty)
        return
    if not every_entry:
        entries = writes
    if not entries:
        which = (f" for {order}" if order else "") + (f" of site {site}" if site else "")
        env.say(f"the audit log has no entries{which}")
        from c5attn.workflow import likely_meant

        for guess, why in likely_meant(order.strip()) if order else []:
            if next(audit.entries(order=guess, site=site), None) is not None:
                env.say(f"did you mean {guess}? {why}")
                break
        return
    cells = [
        [
            _logged_time(str(e.get("at") or "")),
            e.get("operator") or "",
            e.get("site") or "",
            e.get("order") or "",
            e.get("action") or "",
            _state(e.get("before")) + " → " + _state(e.get("after")),
            e.get("result") or "",
            " ".join((e.get("message") or "").split()),  # one line an entry: --json has it as written
        ]
        for e in entries
    ]
    unsettled = {id(e) for e in writes if e.get("result") == "started"}  # no outcome after it
    headers = ["when (UTC)", "operator", "site", "order", "action", "before → after", "result", "message"]
    print_wide_table(
        env.stdout,
        headers,
        cells,
        plain=not env.stdout_is_tty,
        details=["before → after", "message"],
        row_styles=[_result_style(e, unsettled) for e in entries],
    )


def _result_style(entry: dict[str, Any], unsettled: set[int]) -> str:
    """How ``log`` shows an entry on a colour terminal: a ``started`` one only without outcome."""
    result = str(entry.get("result"))
    return "" if result == "started" and id(entry) not in unsettled else RESULT_STYLES.get(result, "")


# How log shows a write's result on a terminal: what may need a look stands out.
RESULT_STYLES = {
    "unknown": "bold red",  # it may have landed: see the order
    "failed": "red",
    "not-applied": "yellow",  # Magento kept the status (2.4.7)
    "partial": "yellow",
    "started": "yellow",  # no outcome after it: the run was killed mid-write
}


def _logged_time(at: str) -> str:
    """An entry's ISO time as the log's table shows it, under "when (UTC)": 2026-11-27 09:02:43."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at  # written by hand or by another tool: as it is
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _write_of(entry: dict[str, Any]) -> tuple[object, object, object]:
    """Which write an audit entry is part of: its ``started`` entry and its outcome share this."""
    return (entry.get("run_id"), entry.get("order"), entry.get("action"))


def settled_writes(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries without each ``started`` one whose outcome follows (the same write): one line a
    write. A ``started`` with no outcome after it (a run killed mid-write) stays."""
    outcomes = {_write_of(e) for e in entries if e.get("result") != "started"}
    return [e for e in entries if e.get("result") != "started" or _write_of(e) not in outcomes]


def _elsewhere(env: CliEnv, sessions: Sequence[SiteSession]) -> str | None:
    """Where else an order number not found may be: the configured sites that choosing one
    (``--site`` or ``C5ATTN_SITE``) left out, and how to search them; None when every site was."""
    searched = {session.site.name for session in sessions}
    left_out = [name for name in env.config.sites if name not in searched]
    if not left_out:
        return None
    sites = f"site {left_out[0]}" if len(left_out) == 1 else f"sites {', '.join(left_out)}"
    how = "leave out --site" if env.site else "unset C5ATTN_SITE"
    return f"look in {sites}: {how} to search every site"


def _logged_site(env: CliEnv) -> str | None:
    """The site whose entries ``log`` shows: the sandbox's, the one chosen with --site or
    C5ATTN_SITE (an unknown name is refused as every command refuses it), or None for every site;
    the configuration is read only to check a chosen name, so a log needs none."""
    from c5attn.cli.sessions import sandbox_site

    if env.sandbox:
        return sandbox_site(env)
    if env.site or "C5ATTN_SITE" in env.env:  # reading the configuration refuses an empty one
        return env.config.site
    return None


def _state(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    return str(value or "-")


def register(app: typer.Typer) -> None:
    """Add the workflow commands to the root app."""
    app.command("scan")(scan)
    app.command("list")(list_queue)
    app.command("show")(show)
    app.command("resolve")(resolve)
    app.command("dismiss-error")(dismiss_error)
    app.command("log")(log)
