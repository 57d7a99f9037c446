"""Communication policies: what may be shared and what may not, accepted by everyone they apply to.

A policy belongs to one department (the company-wide space's policy is the company's)
and applies to that department's readers. Its text is versioned: every edit adds a
`PolicyVersion` with a change summary. A version that `needs_acceptance` becomes the
`required_version`, which everyone must accept before they write in the space again; a
minor edit (a typo) becomes the `current_version` only, and an acceptance of any version
at or after the required one counts.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.departments.models import Department

MAX_POLICY_LENGTH = 50_000
MAX_SUMMARY_LENGTH = 300


class PolicyQuerySet(models.QuerySet):
    def applying_to(self, user) -> "PolicyQuerySet":
        """Policies of the spaces `user` reads (`apps.departments.access`), so theirs to accept."""
        from apps.departments.access import readable_department_ids

        return self.filter(department_id__in=readable_department_ids(user))


class Policy(models.Model):
    department = models.OneToOneField(Department, on_delete=models.CASCADE, related_name="policy")
    current_version = models.PositiveIntegerField(default=0, help_text="The newest version: the text people read.")
    required_version = models.PositiveIntegerField(
        default=0, help_text="The newest version that asked for acceptance; accepting it or a later one counts."
    )
    never_share_words = models.JSONField(default=list, blank=True, help_text="Words the composer warns about.")
    never_share_patterns = models.JSONField(
        default=list, blank=True, help_text="Regular expressions the composer warns about (checked on save)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:detail", args=[self.pk])

    @property
    def title(self) -> str:
        if self.department.is_company_wide:
            return "Company communication policy"
        return f"{self.department.name} communication policy"


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(max_length=MAX_POLICY_LENGTH)
    body_html = models.TextField(editable=False)
    summary = models.CharField(max_length=MAX_SUMMARY_LENGTH)
    needs_acceptance = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="one_row_per_policy_version")]

    def __str__(self) -> str:
        return f"Version {self.number} of policy {self.policy_id}"


class PolicyAcceptance(models.Model):
    """'I have read and accept': who, which version, when. Append-only: the compliance record."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acceptances")
    version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "user", "version"], name="accept_a_policy_version_once")
        ]
        indexes = [models.Index(fields=["user", "policy", "-version"], name="policy_acceptance_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} accepted policy {self.policy_id} v{self.version}"
