"""E-mails about notifications. They carry a link, never the content of a post."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task

from apps.accounts.models import User

from .models import NotificationSettings


def queue_notification_emails(*, user_ids: list[int], kind: str, subject: str, path: str) -> None:
    """Queue one e-mail per recipient who wants e-mail for this kind of notification."""
    wanted = NotificationSettings.wanting_email(user_ids, kind)
    for user_id in wanted:
        send_notification_email.enqueue(user_id, subject, path)


@task
def send_notification_email(user_id: int, subject: str, path: str) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    url = settings.SITE_URL + path
    body = (
        f"Hello {user.display_name},\n\n"
        f"{subject}.\n\n"
        f"Open it on the intranet (log in with your company account):\n{url}\n\n"
        "For confidentiality, intranet e-mails never include the content itself.\n"
        f"Choose which e-mails you get: {settings.SITE_URL}/notifications/settings/\n"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
