from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.pagination import keyset_page

from .forms import NotificationSettingsForm
from .models import Notification, NotificationSettings
from .services import mark_one_read, mark_read

PAGE_SIZE = 30


@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.for_user(request.user).select_related("actor__profile")
    if request.GET.get("unread") == "1":
        notifications = notifications.unread()
    page = keyset_page(notifications, fields=("-id",), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(request, "notifications/inbox.html", {"page": page, "only_unread": request.GET.get("unread") == "1"})


@require_safe
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and go where it points."""
    notification = mark_one_read(acting_user=request.user, notification_id=notification_id)
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()})
    return redirect(notification.url if safe else "notifications:inbox")


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    current, _ = NotificationSettings.objects.get_or_create(user=request.user)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_read(acting_user=request.user)
    return redirect("notifications:inbox")
