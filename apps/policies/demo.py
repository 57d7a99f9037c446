"""Demo communication policies for `seed_demo`: a company policy (two versions) and one for Customer Service.

Idempotent: does nothing once the company has a policy. Every demo person accepts the
current versions except one colleague who is not among the printed demo logins (admin,
alice, bob), so `make run` shows the acceptance record with someone missing while the
demo logins can post at once. Run it after the other demo steps (questions included):
their authors post through the services, which the policies would otherwise stop.
"""

import random

from apps.accounts.models import User
from apps.core.demo import DemoContext, demo_step
from apps.departments.access import readers_of
from apps.departments.models import Department
from apps.departments.services import company_wide_department

from . import gate, services
from .models import Policy, PolicyAcceptance

PRINTED_LOGINS = ("admin@example.com", "alice@example.com", "bob@example.com")
COMPANY_V1 = """### What we share, and with whom

- **Inside the company**: project news, customer stories without names, how we work.
- **Inside your department only**: figures that are not published, plans not yet announced.
- **Never, anywhere on the intranet**: salaries, health information, passwords, customer account numbers.

When in doubt, mark the post *confidential* or ask your manager.
"""
COMPANY_V2 = COMPANY_V1.replace("When in doubt", "Photos of screens count as sharing what is on them.\n\nWhen in doubt")
SERVICE_POLICY = """### Customer Service

- Quote customers only with their ticket number, never their name or e-mail address.
- Refund amounts stay in the ticket system.
"""


def non_accepting_person() -> User | None:
    """The one demo colleague who has not accepted yet: the newest who is not a printed login or a manager."""
    return (
        User.objects.filter(is_active=True, is_staff=False)
        .exclude(email__in=PRINTED_LOGINS)
        .exclude(memberships__role="manager")
        .order_by("-pk")
        .first()
    )


@demo_step("policies.policies", after=["questions.questions", "departments.memberships"])
def seed_policies(ctx: DemoContext) -> str | None:
    seed(rng=ctx.random("policies"))
    return None


def seed(*, rng: random.Random) -> None:
    if Policy.objects.filter(department__is_company_wide=True).exists():
        return
    company = services.policy_create(
        acting_user=None, department=company_wide_department(), body=COMPANY_V1, summary="First version.",
        never_share_words=["salary", "salaries", "password", "merger"], never_share_patterns=[r"\bACC-\d{6}\b"],
    )  # fmt: skip
    services.policy_publish_version(
        acting_user=None, policy=company, body=COMPANY_V2, summary="Photos of screens count as sharing."
    )
    services.policy_publish_version(
        acting_user=None, policy=company, body=COMPANY_V2.replace("When in doubt", "If in doubt"),
        summary="Wording.", needs_acceptance=False,
    )  # fmt: skip
    policies = [company]
    service = Department.objects.filter(slug="customer-service").first()
    if service is not None and not Policy.objects.filter(department=service).exists():
        policies.append(services.policy_create(acting_user=None, department=service, body=SERVICE_POLICY))
    holdout = non_accepting_person()
    rows = []
    for policy in policies:
        policy.refresh_from_db()
        readers = readers_of(policy.department).exclude(pk=holdout.pk if holdout else None)
        rows += [PolicyAcceptance(policy=policy, user_id=pk, version=policy.current_version)
                 for pk in readers.values_list("pk", flat=True)]  # fmt: skip
    PolicyAcceptance.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    for user_id in {row.user_id for row in rows}:
        gate.forget_acceptance(user_id, gate.requirements().values())
