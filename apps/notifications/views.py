from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from apps.core.pagination import keyset_page

from .models import Notification
from .services import mark_read

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
    notification = Notification.objects.for_user(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification")
    mark_read(user=request.user, notification_ids=[notification.pk])
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()})
    return redirect(notification.url if safe else "notifications:inbox")


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_read(user=request.user)
    return redirect("notifications:inbox")
