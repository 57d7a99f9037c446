from django.db import models


class GroupMapping(models.Model):
    """An identity provider's group (an OIDC `groups` claim value) and the department it brings people into.

    Edited by admins in the admin site; e.g. "grp-sales" → Sales as member. Membership follows
    the company directory: at each sign-in, a person is put in the departments of their mapped
    groups and taken out of mapped departments whose groups they no longer have.
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MANAGER = "manager", "Manager"

    group = models.CharField(max_length=200, help_text="The group's name or id as the identity provider sends it.")
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="group_mappings")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["group"]
        constraints = [models.UniqueConstraint(fields=["group", "department"], name="sso_group_department_once")]

    def __str__(self) -> str:
        return f"{self.group} → {self.department} ({self.role})"
