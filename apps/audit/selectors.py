"""The viewer's filters, shared by the page, its CSV export and the admin site's export."""

from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date

from .models import AuditEvent, AuditEventQuerySet

FILTERS = ("actor", "action", "target_type", "target_id", "ip", "since", "until")


def filtered(user, params) -> tuple[AuditEventQuerySet, dict[str, str]]:
    """The entries `user` may read, narrowed by the query's filters; unknown or bad values are ignored."""
    events = AuditEvent.objects.visible_to(user)
    used: dict[str, str] = {}
    for name in FILTERS:
        value = str(params.get(name, "")).strip()[:200]
        if not value:
            continue
        if name == "actor":
            events = events.filter(
                Q(actor_email__icontains=value) | Q(actor_id=int(value) if value.isdigit() else None)
            )
        elif name == "action":
            events = events.filter(Q(action=value) | Q(action__startswith=value.rstrip(".") + "."))
        elif name == "target_type":
            events = events.filter(target_type=value)
        elif name == "target_id":
            if not value.isdigit() or len(value) > 18:
                continue
            events = events.filter(target_id=int(value))
        elif name == "ip":
            events = events.filter(ip_address=value) if _is_ip(value) else events.none()
        elif name in ("since", "until"):
            day = _date(value)
            if day is None:
                continue
            if name == "since":
                events = events.filter(at__gte=timezone.make_aware(datetime.combine(day, time.min)))
            else:
                events = events.filter(at__lte=timezone.make_aware(datetime.combine(day, time.max)))
        used[name] = value
    return events, used


def _date(value: str):
    try:
        return parse_date(value)
    except ValueError:
        return None


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
