"""Demo accounts for `seed_demo`: admin, alice, bob and person00003... up to `--users`."""

from django.contrib.auth.hashers import make_password

from apps.core.demo import DemoContext, demo_email, demo_step

from .models import User


def demo_emails(count: int) -> list[str]:
    """The first three are the documented logins; the rest are numbered, as bench/ scripts expect."""
    emails = [demo_email("admin"), demo_email("alice"), demo_email("bob")]
    return emails + [demo_email(f"person{i:05d}") for i in range(3, count)]


@demo_step("accounts.users")
def seed_users(ctx: DemoContext) -> str:
    emails = demo_emails(ctx.options["users"])
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    missing = [e for e in emails if e not in existing]
    if missing:
        password = make_password(ctx.password)  # hashed once: argon2 is slow on purpose
        admin = demo_email("admin")
        User.objects.bulk_create(
            [User(email=e, password=password, is_staff=e == admin, is_superuser=e == admin) for e in missing],
            batch_size=500,
        )
    by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
    ctx.users = [by_email[e] for e in emails]
    return f"{len(ctx.users)} people"
