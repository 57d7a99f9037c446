"""Policy versions, never-share rules, acceptance and reminders: through the services."""

import pytest
from django.core.management import call_command

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.policies import selectors, services
from apps.policies.models import Policy, PolicyAcceptance, PolicyVersion

from .conftest import POLICY_TEXT, accept

pytestmark = pytest.mark.django_db


def test_only_admins_write_the_company_policy_and_only_managers_a_departments(
    company, department, member, manager, admin_user
):
    with pytest.raises(Forbidden):
        services.policy_create(acting_user=manager, department=company, body="Company rules")
    with pytest.raises(Forbidden):
        services.policy_create(acting_user=member, department=department, body="Sales rules")
    with pytest.raises(Forbidden):  # an admin who is not a member does not write a department's policy
        services.policy_create(acting_user=admin_user, department=department, body="Sales rules")
    policy = services.policy_create(acting_user=manager, department=department, body="Sales rules")
    assert (policy.current_version, policy.required_version) == (1, 1)
    with pytest.raises(Conflict, match="already has a policy"):
        services.policy_create(acting_user=manager, department=department, body="Again")


def test_every_version_keeps_its_summary_and_the_diff_shows_what_changed(company_policy, admin_user):
    with pytest.raises(Invalid, match="what changed"):
        services.policy_publish_version(acting_user=admin_user, policy=company_policy, body="Other", summary=" ")
    with pytest.raises(Invalid, match="same as the current"):
        services.policy_publish_version(acting_user=admin_user, policy=company_policy, body=POLICY_TEXT, summary="x")
    new_text = POLICY_TEXT.replace("Ask your manager", "Ask the communication team") + "\n\nNo photos of screens."
    services.policy_publish_version(acting_user=admin_user, policy=company_policy, body=new_text, summary="Photos")
    old, new = PolicyVersion.objects.filter(policy=company_policy).order_by("number")
    lines = selectors.diff(old, new)
    assert ("removed", "Ask your manager when unsure.") in [(line.kind, line.text) for line in lines]
    assert ("added", "No photos of screens.") in [(line.kind, line.text) for line in lines]
    assert {line.kind for line in lines} >= {"same", "added", "removed"}
    assert new.summary == "Photos" and new.body_html.startswith("<h3>")


def test_bad_text_is_refused_and_nothing_is_written(department, manager):
    for body in ("", "   ", "x" * 50_001, None):
        with pytest.raises(Invalid):
            services.policy_create(acting_user=manager, department=department, body=body)
    assert not Policy.objects.exists()


@pytest.mark.parametrize(
    ("pattern", "reason"),
    # The regex module copes with the classic (a+)+$; these still explode in it, and are caught by the probes.
    [("ACC-(", "not a valid regular expression"), ("(a|aa)+$", "takes too long"),
     ("(.*){1,32000}[bc]", "takes too long"), ("a*", "matches an empty text")],
)  # fmt: skip
def test_never_share_patterns_are_checked_when_saved(company_policy, admin_user, pattern, reason):
    with pytest.raises(Invalid, match=reason) as refused:
        services.policy_set_rules(
            acting_user=admin_user, policy=company_policy, never_share_words=["salary"], never_share_patterns=[pattern]
        )
    assert "never_share_patterns" in refused.value.errors
    company_policy.refresh_from_db()
    assert company_policy.never_share_patterns == [r"\bACC-\d{6}\b"]  # unchanged


def test_rules_are_cleaned_one_per_line(company_policy, admin_user):
    services.policy_set_rules(
        acting_user=admin_user, policy=company_policy, never_share_words="salary\n  Salary \nbonus  plan\n",
        never_share_patterns="\\bIBAN\\b\n\n",
    )  # fmt: skip
    company_policy.refresh_from_db()
    assert company_policy.never_share_words == ["salary", "bonus plan"]
    assert company_policy.never_share_patterns == [r"\bIBAN\b"]


def test_accepting_needs_the_current_version_and_is_recorded_once(department, member, sales_policy, manager):
    with pytest.raises(Conflict, match="changed since you opened it"):
        services.policy_accept(acting_user=member, policy=sales_policy, version=7)
    accept(member, sales_policy)
    accept(member, sales_policy)
    assert PolicyAcceptance.objects.filter(user=member).count() == 1
    assert selectors.acceptance_counts(sales_policy) == (1, 2)


def test_a_policy_that_does_not_apply_cannot_be_accepted(outsider, sales_policy):
    from apps.core.errors import NotFound

    with pytest.raises(NotFound):
        services.policy_accept(acting_user=outsider, policy=sales_policy, version=1)


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_reminders_reach_those_who_have_not_accepted_in_the_app_and_by_email_with_a_link_only(
    department, member, manager, sales_policy, mailoutbox, settings
):
    settings.SITE_URL = "https://intranet.example.com"
    accept(manager, sales_policy)
    assert services.policy_remind(acting_user=manager, policy=sales_policy) == 1
    assert member.notifications.filter(kind="policy_reminder").exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mailoutbox] == [["member@example.com"]]
    assert "https://intranet.example.com/policies/accept/" in mailoutbox[0].body
    assert "prices" not in mailoutbox[0].body
    with pytest.raises(Forbidden):
        services.policy_remind(acting_user=member, policy=sales_policy)


def test_the_record_lists_every_reader_with_their_latest_version(department, member, manager, sales_policy):
    accept(manager, sales_policy)
    services.policy_publish_version(acting_user=manager, policy=sales_policy, body="v2", summary="v2")
    accept(manager, sales_policy)
    rows = {u.display_name: u.accepted_version for u in selectors.readers_with_acceptance(sales_policy)}
    assert rows == {"Max Manager": 2, "Mia Member": None}
    assert [r[2] for r in selectors.acceptance_rows(sales_policy)] == [1, 2]
