from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


def name_to_show(display_name: str, email: str) -> str:
    """A person's name as shown everywhere: their profile's display name, else their address's local part."""
    return display_name or email.split("@")[0]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)  # None gives an unusable password: an invitation sets it
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> "User":
        # Logins are case-insensitive: addresses are stored lower-cased.
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A company account. The e-mail address is the login; there is no public sign-up."""

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Admins manage departments, people and memberships.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    # Requests read the user from a cached snapshot (apps.accounts.identity): every write drops it,
    # on every process. `QuerySet.update()` on users must call `forget_user` itself.
    def save(self, *args, **kwargs) -> None:
        from .identity import forget_user

        super().save(*args, **kwargs)
        forget_user(self.pk)

    def delete(self, *args, **kwargs):
        from .identity import forget_user

        forget_user(self.pk)
        return super().delete(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_staff

    @property
    def display_name(self) -> str:
        profile = getattr(self, "profile", None)
        return name_to_show(profile.display_name if profile is not None else "", self.email)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Passkey(models.Model):
    """A WebAuthn credential (a passkey or security key), a second factor for a password account.

    Only the public key is kept; the sign count is the authenticator's, to notice a cloned key.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=80)
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
