"""Writes on communication policies: create, publish versions, set the never-share rules,
accept, remind. Each takes the `acting_user` and authorises through `access` itself
(`acting_user=None`: the system, e.g. demo data).

Every write that changes what people must accept drops the cached requirements
(`gate.forget_requirements`), inside the transaction and again after commit.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse

from apps.accounts.models import User
from apps.audit.services import record
from apps.core.errors import Conflict, Invalid, NotFound, require
from apps.core.markdown import render_markdown
from apps.departments.access import can_read, readers_of
from apps.departments.models import Department
from apps.notifications.services import notify
from apps.realtime.groups import user_group
from apps.realtime.publish import send_frame_on_commit
from apps.realtime.topics import publish

from . import gate, screening
from .access import can_edit_policy
from .events import PolicyAcceptancesEvent, PolicyVersionEvent
from .models import MAX_POLICY_LENGTH, MAX_SUMMARY_LENGTH, Policy, PolicyAcceptance, PolicyVersion

POLICY_TOPIC = "policy"


def require_editor(acting_user: User | None, department: Department) -> None:
    if acting_user is None:
        return
    who = "admins" if department.is_company_wide else "the department's managers"
    require(can_edit_policy(acting_user, department), f"Only {who} write this policy.")


def _clean_body(body: object) -> str:
    body = body.strip() if isinstance(body, str) else ""
    if not body:
        raise Invalid.field("body", "Write the policy: the text cannot be empty.", code="empty")
    if len(body) > MAX_POLICY_LENGTH:
        raise Invalid.field(
            "body", f"The policy is too long ({len(body):,} characters); the limit is {MAX_POLICY_LENGTH:,}."
        )
    return body


def _clean_summary(summary: object, *, required: bool) -> str:
    summary = " ".join(summary.split()) if isinstance(summary, str) else ""
    if required and not summary:
        raise Invalid.field("summary", "Say in a line what changed: people read it before the text.")
    if len(summary) > MAX_SUMMARY_LENGTH:
        raise Invalid.field("summary", f"The summary can have at most {MAX_SUMMARY_LENGTH} characters.")
    return summary


@transaction.atomic
def policy_create(
    *,
    acting_user: User | None,
    department: Department,
    body: str,
    summary: str = "",
    never_share_words: object = (),
    never_share_patterns: object = (),
) -> Policy:
    """The department's first policy, version 1, which everyone in it must accept."""
    require_editor(acting_user, department)
    body = _clean_body(body)
    summary = _clean_summary(summary, required=False) or "First version."
    words = screening.clean_words(never_share_words)
    patterns = screening.clean_patterns(never_share_patterns)
    try:
        with transaction.atomic():
            policy = Policy.objects.create(
                department=department, never_share_words=words, never_share_patterns=patterns
            )
    except IntegrityError:
        raise Conflict(
            "policy_exists", f"{department.name} already has a policy: publish a new version of it."
        ) from None
    _add_version(policy, body=body, summary=summary, needs_acceptance=True, author=acting_user)
    record("policy.created", actor=acting_user, target=department, after=_rule_counts(policy))
    return policy


def _rule_counts(policy: Policy) -> dict[str, int]:
    # Counts, not the words: a never-share list names what is confidential, and admins read the log.
    return {"words": len(policy.never_share_words), "patterns": len(policy.never_share_patterns)}


@transaction.atomic
def policy_publish_version(
    *, acting_user: User | None, policy: Policy, body: str, summary: str, needs_acceptance: bool = True
) -> PolicyVersion:
    """A new version. Unless it is a minor edit (`needs_acceptance=False`), everyone must accept it again."""
    require_editor(acting_user, policy.department)
    body = _clean_body(body)
    summary = _clean_summary(summary, required=True)
    policy = Policy.objects.select_for_update().select_related("department").get(pk=policy.pk)
    current = policy.versions.filter(number=policy.current_version).values_list("body", flat=True).first()
    if current is not None and current == body:
        raise Invalid.field("body", "The text is the same as the current version: change it first.", code="unchanged")
    version = _add_version(policy, body=body, summary=summary, needs_acceptance=needs_acceptance, author=acting_user)
    record(
        "policy.published",
        actor=acting_user,
        target=policy.department,
        after={"version": version.number, "needs_acceptance": version.needs_acceptance},
    )
    return version


def _add_version(
    policy: Policy, *, body: str, summary: str, needs_acceptance: bool, author: User | None
) -> PolicyVersion:
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy, number=number, body=body, body_html=render_markdown(body), summary=summary,
        needs_acceptance=needs_acceptance or number == 1, created_by=author,
    )  # fmt: skip
    policy.current_version = number
    if version.needs_acceptance:
        policy.required_version = number
    policy.save(update_fields=["current_version", "required_version", "updated_at"])
    gate.forget_requirements()
    event: PolicyVersionEvent = {
        "type": "policy.version", "policy": policy.pk, "version": number, "needs_acceptance": version.needs_acceptance,
    }  # fmt: skip
    publish(POLICY_TOPIC, policy.pk, event)
    if version.needs_acceptance:
        notify(
            recipients=readers_of(policy.department).exclude(pk=author.pk if author else None),
            kind="policy",
            title=f"{policy.title}: version {number}. Please read and accept it ({summary[:120]})",
            url=reverse("policies:accept"),
            actor=author,
            department=policy.department,
        )
    return version


@transaction.atomic
def policy_set_rules(
    *, acting_user: User | None, policy: Policy, never_share_words: object, never_share_patterns: object
) -> Policy:
    """The never-share words and patterns; patterns are checked (valid, not explosive) before anything is saved."""
    require_editor(acting_user, policy.department)
    before = _rule_counts(policy)
    policy.never_share_words = screening.clean_words(never_share_words)
    policy.never_share_patterns = screening.clean_patterns(never_share_patterns)
    policy.save(update_fields=["never_share_words", "never_share_patterns", "updated_at"])
    gate.forget_requirements()
    record(
        "policy.rules_changed", actor=acting_user, target=policy.department, before=before, after=_rule_counts(policy)
    )
    return policy


@transaction.atomic
def policy_accept(*, acting_user: User, policy: Policy, version: object) -> PolicyAcceptance:
    """'I have read and accept' the version the person was shown, which must be the current one."""
    if not can_read(acting_user, policy.department):
        raise NotFound("unknown_policy", "There is no such policy, or it does not apply to you.")
    policy = Policy.objects.select_related("department").get(pk=policy.pk)
    if not isinstance(version, int) or isinstance(version, bool) or version != policy.current_version:
        raise Conflict(
            "policy_changed",
            f"The {policy.title} changed since you opened it (it is at version {policy.current_version}): "
            "read the new version, then accept it.",
        )
    acceptance, created = PolicyAcceptance.objects.get_or_create(policy=policy, user=acting_user, version=version)
    gate.forget_acceptance(acting_user.pk, gate.requirements().values())
    if created:
        _send_record_counts(policy)
    return acceptance


def _send_record_counts(policy: Policy) -> None:
    from .selectors import acceptance_counts, policy_editors

    accepted, total = acceptance_counts(policy)
    event: PolicyAcceptancesEvent = {
        "type": "policy.acceptances", "policy": policy.pk, "version": policy.required_version,
        "accepted": accepted, "total": total,
    }  # fmt: skip
    for editor_id in policy_editors(policy).values_list("pk", flat=True):
        send_frame_on_commit(user_group(editor_id), event)


@transaction.atomic
def policy_remind(*, acting_user: User | None, policy: Policy) -> int:
    """Remind everyone who has not accepted the required version, in the app and by e-mail (a link only)."""
    from apps.notifications.emails import queue_notification_emails

    from .selectors import pending_readers

    require_editor(acting_user, policy.department)
    pending = list(pending_readers(policy).exclude(pk=acting_user.pk if acting_user else None))
    path = reverse("policies:accept")
    created = notify(
        recipients=pending, kind="policy_reminder", actor=acting_user, department=policy.department, url=path,
        title=f"Reminder: please read and accept the {policy.title} (version {policy.current_version})",
    )  # fmt: skip
    queue_notification_emails(
        user_ids=[n.recipient_id for n in created], kind="policy_reminder", path=path,
        subject=f"Reminder: please read and accept the {policy.title}",
    )  # fmt: skip
    return len(created)


def department_member_added(*, department: Department, user: User) -> None:
    """A new member gets the department's policy to accept on their next page (and a notification)."""
    gate.forget_memberships(user.pk)
    requirement = gate.requirements().get(department.pk)
    if requirement is not None and not requirement.company_wide:
        notify(
            recipients=[user], kind="policy", department=department, url=reverse("policies:accept"),
            title=f"Welcome to {department.name}: please read and accept its communication policy",
        )  # fmt: skip


def department_member_removed(*, department: Department, user: User) -> None:
    gate.forget_memberships(user.pk)


def department_deleted(*, reader_ids: list[int]) -> None:
    """Its policy went with it: nobody is asked to accept it any more."""
    gate.forget_requirements()
    for user_id in reader_ids:
        gate.forget_memberships(user_id)
