"""plan_resolve: which status resolve sets, and what it refuses (pure; no I/O)."""

from __future__ import annotations

import pytest
from engine_builders import GRACE, NOW, ORDER_NO, cp, error, item, order, ticket

from c5attn.config import SiteConfig
from c5attn.errors import UsageError
from c5attn.models import MagentoOrder, OrderError
from c5attn.verdict import Verdict, assess
from c5attn.workflow import MAX_NOTE, OrderView, ResolvePlan, plan_resolve

SITE = SiteConfig(name="web", magento_url="http://127.0.0.1", counterpoint_dsn="unused")
OPEN = (error(7, "capture"),)


def _plan(state: str, status: str | None, *, dismiss: bool = False, site: SiteConfig = SITE) -> ResolvePlan:
    verdict = _verdict(order(item("A"), state=state, status="needs_attention"))
    return plan_resolve(
        site, verdict, operator="jane", status=status, note="by phone", dismiss=dismiss, open_errors=OPEN
    )


def _verdict(flagged: MagentoOrder) -> Verdict:
    """``flagged`` against a Counterpoint order that released one A."""
    return assess(
        flagged,
        cp(ticket("1-1", ("A", 1))),
        needs_attention_status="needs_attention",
        now=NOW,
        capture_grace_minutes=GRACE,
    )


def _site_where_new_allows(*statuses: str) -> SiteConfig:
    return SiteConfig(
        name="web",
        magento_url="http://127.0.0.1",
        counterpoint_dsn="unused",
        state_statuses={"new": list(statuses)},
    )


@pytest.mark.parametrize(
    ("state", "status", "target"),
    [
        ("processing", None, "processing"),  # resolve_status maps the state
        ("complete", None, "complete"),
        ("processing", "in_counterpoint", "in_counterpoint"),  # --status assigned to the state
        ("canceled", "confirmed_cancel", "confirmed_cancel"),
    ],
)
def test_the_status_set(state: str, status: str | None, target: str) -> None:
    plan = _plan(state, status)
    assert plan.target_status == target
    assert "jane" in plan.comment and "by phone" in plan.comment and "[c5attn:resolved" in plan.comment


@pytest.mark.parametrize(
    ("state", "status", "message", "hint"),
    [
        ("processing", "complete", "not assigned to the order's state 'processing'", "in_counterpoint"),
        ("processing", "needs_attention", "the Needs Attention status", "scan --apply"),
        ("holded", "needs_attention", "the Needs Attention status", "holded"),
    ],
)
def test_the_refusals(state: str, status: str | None, message: str, hint: str) -> None:
    with pytest.raises(UsageError) as refused:
        _plan(state, status)
    assert message in refused.value.message and hint in (refused.value.hint or "")


@pytest.mark.parametrize(
    ("note", "named"),
    [("x\x1b[31mred", "\\x1b"), ("ring\x07", "\\x07"), ("\u202e evil", "U+202E"), ("a\rb", "\\x0d")],
)
def test_a_comment_with_a_control_character_is_refused(note: str, named: str) -> None:
    verdict = _verdict(order(item("A"), state="processing", status="needs_attention"))
    with pytest.raises(UsageError) as refused:
        plan_resolve(SITE, verdict, operator="jane", status=None, note=note, dismiss=False, open_errors=())
    assert f"control character {named}" in refused.value.message


@pytest.mark.parametrize(("length", "taken"), [(MAX_NOTE, True), (MAX_NOTE + 1, False)])
def test_a_comment_longer_than_magento_keeps_whole_is_refused(length: int, taken: bool) -> None:
    """An 80 KB note was posted: Magento's TEXT column would cut it, and c5attn's marker with it."""
    verdict = _verdict(order(item("A"), state="processing", status="needs_attention"))

    def plan() -> str:
        planned = plan_resolve(
            SITE, verdict, operator="j", status=None, note="é" * length, dismiss=False, open_errors=()
        )
        return planned.comment

    if taken:
        assert plan().endswith("]")  # the marker, last
    else:
        with pytest.raises(UsageError, match=f"{length:,} characters long; c5attn takes at most 4,000"):
            plan()


def test_a_comment_may_span_lines_and_hold_tabs() -> None:
    verdict = _verdict(order(item("A"), state="processing", status="needs_attention"))
    plan = plan_resolve(
        SITE, verdict, operator="jane", status=None, note="line 1\n\tline 2", dismiss=False, open_errors=()
    )
    assert "Note: line 1\n\tline 2" in plan.comment


def test_errors_are_planned_for_dismissal_only_when_asked() -> None:
    assert _plan("processing", None).dismiss == []
    assert [e.err_id for e in _plan("processing", None, dismiss=True).dismiss] == [7]


@pytest.mark.parametrize(
    ("state", "status", "errors", "command"),
    [
        ("processing", "needs_attention", (), f"resolve {ORDER_NO}"),  # resolve_status maps the state
        ("processing", "needs_attention", OPEN, f"resolve {ORDER_NO} --dismiss-error"),
        ("new", "needs_attention", (), f"resolve {ORDER_NO}"),  # new has no resolve_status: its one status
        ("processing", "in_counterpoint", (), None),  # released, invoiced and shipped: nothing to resolve
    ],
)
def test_the_resolve_show_offers_is_one_that_works(
    state: str, status: str, errors: tuple[OrderError, ...], command: str | None
) -> None:
    """``show``'s next command: for a state without a resolve_status, the --status it needs."""
    view = _view(order(item("A", invoiced=1, shipped=1), state=state, status=status), errors, SITE)
    assert view.resolve_command == command
    if command is not None:
        assert _plan(state, None).target_status  # the offered command plans without --status


def test_no_resolve_is_offered_where_no_status_may_be_set() -> None:
    view = _view(
        order(item("A"), state="new", status="needs_attention"), (), _site_where_new_allows("needs_attention")
    )
    assert view.resolve_command is None


@pytest.mark.parametrize("status", [None, "needs_attention", "pending"])
def test_resolve_in_a_state_without_statuses_points_at_the_admin_and_state_statuses(
    status: str | None,
) -> None:
    """Not at --status, which could name nothing there (payment_review has no status by default)."""
    with pytest.raises(UsageError) as refused:
        plan_resolve(
            _site_where_new_allows("needs_attention"),
            _view(
                order(item("A"), state="new", status="needs_attention"),
                (),
                _site_where_new_allows("needs_attention"),
            ).verdict,
            operator="jane",
            status=status,
            note=None,
            dismiss=False,
            open_errors=(),
        )
    assert "no status but Needs Attention is assigned" in refused.value.message
    assert "Magento admin" in (refused.value.hint or "") and "state_statuses.new" in (
        refused.value.hint or ""
    )
    assert "--status" not in (refused.value.hint or "")


@pytest.mark.parametrize(
    ("site", "state", "said"),
    [
        (SITE, "payment_review", "state_statuses lists no statuses for state 'payment_review', so resolve"),
        (
            _site_where_new_allows(),  # listed, with no status
            "new",
            "state_statuses lists no statuses for state 'new', so resolve",
        ),
        (
            _site_where_new_allows("needs_attention"),
            "new",
            "no status but Needs Attention is assigned to state 'new' (state_statuses), so resolve",
        ),
    ],
)
def test_resolve_says_whether_state_statuses_lists_nothing_for_the_state_or_needs_attention_alone(
    site: SiteConfig, state: str, said: str
) -> None:
    """It said "no status but Needs Attention is assigned" of payment_review, to which the defaults
    assign nothing, while scan --apply said Needs Attention was not assigned to it."""
    with pytest.raises(UsageError) as refused:
        _plan(state, None, site=site)
    assert refused.value.message.startswith(said)


def test_a_state_allowing_several_statuses_names_none_of_them() -> None:
    site = _site_where_new_allows("pending", "fraud", "needs_attention")
    view = _view(order(item("A"), state="new", status="needs_attention"), (), site)
    assert view.resolve_command == f"resolve {ORDER_NO} --status STATUS"


def _view(flagged: MagentoOrder, errors: tuple[OrderError, ...], site: SiteConfig) -> OrderView:
    return OrderView(site, "c5attn", _verdict(flagged), [], list(errors))


def test_a_state_without_resolve_status_gets_its_only_status_else_a_choice() -> None:
    assert _plan("new", None).target_status == "pending"  # new allows pending (and Needs Attention)
    with pytest.raises(UsageError) as refused:
        _plan("new", None, site=_site_where_new_allows("pending", "fraud", "needs_attention"))
    assert "no resolve status is configured for state 'new'" in refused.value.message
    assert "pending, fraud" in (refused.value.hint or "")


# An order not at Needs Attention needs no status from resolve: in a state with none to set
# (payment_review by default), it keeps its own and the comment alone records the resolution. It was
# refused, and its finding stayed open in every scan. --status still has to name an allowed one.
@pytest.mark.parametrize(
    ("status", "kept"),
    [pytest.param(None, True, id="no-status-asked"), pytest.param("processing", False, id="status-asked")],
)
def test_an_unflagged_order_in_a_state_without_statuses_keeps_its_own(status: str | None, kept: bool) -> None:
    unflagged = order(item("A"), state="payment_review", status="payment_review")
    view = _view(unflagged, (), SITE)
    assert view.resolve_command == f"resolve {ORDER_NO}"

    def plan() -> ResolvePlan:
        return plan_resolve(
            SITE, view.verdict, operator="jane", status=status, note=None, dismiss=False, open_errors=()
        )

    if kept:
        assert plan().target_status == "payment_review"
    else:
        with pytest.raises(UsageError, match="state_statuses lists no statuses for state 'payment_review'"):
            plan()
