import hashlib
import secrets

from django.conf import settings
from django.db import models


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ScimToken(models.Model):
    """A bearer token for the identity provider's SCIM client. Only its hash is stored; the admin
    site shows the token once, when it is created."""

    name = models.CharField(max_length=100, help_text="e.g. 'Entra ID provisioning'.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True, help_text="Untick to revoke.")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_key() -> str:
        return "scim_" + secrets.token_urlsafe(32)


class ScimIdentity(models.Model):
    """The identity provider's id for a user (SCIM `externalId`)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identity")
    external_id = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.external_id


class ScimGroup(models.Model):
    """A group of the company directory, as the identity provider provisions it (SCIM `Group`).

    It does not grant anything by itself: its `display_name` (or `external_id`) is looked up in the
    admin's group → department table (`apps.sso.GroupMapping`), the same table and the same code
    path as an OIDC `groups` claim, so one rule decides which departments a directory group opens.
    """

    display_name = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(max_length=200, blank=True, default="")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="scim_groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.display_name

    def names(self) -> set[str]:
        """What a GroupMapping's `group` may name: the display name, or the provider's id for the group."""
        return {self.display_name} | ({self.external_id} if self.external_id else set())
