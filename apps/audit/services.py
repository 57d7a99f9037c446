"""Writing the audit log: one explicit `record(...)` call from each service that does something
security-relevant, so that what is logged is what the service meant (no model signals).

The entry is written in the caller's transaction: if the service's change rolls back, so does
its entry. Who and from where come from the arguments and the request's origin
(`apps.audit.context`); the request id ties an entry to the log lines of the same request.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from apps.core.request_id import NO_REQUEST, current_request_id

from .access import require_audit_reader
from .actions import ACTIONS
from .context import current_origin
from .models import AuditEvent

CSV_COLUMNS = [
    "id", "at", "action", "actor_id", "actor_email", "target_type", "target_id", "target_repr",
    "ip_address", "user_agent", "request_id", "before", "after", "detail",
]  # fmt: skip


def _describe(target: models.Model | None) -> tuple[str, int | None, str]:
    if target is None:
        return "", None, ""
    return target._meta.label_lower, target.pk, str(target)[:200]


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one entry. `actor=None` is the system (or an anonymous caller: give `actor_email`)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: declare it in apps/audit/actions.py")
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    target_type, target_id, target_repr = _describe(target)
    origin = current_origin()
    request_id = current_request_id()
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor.pk if authenticated else None,
        actor_email=(actor.email if authenticated else actor_email)[:254],
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        request_id="" if request_id == NO_REQUEST else request_id,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        detail=dict(detail or {}),
    )


def purge_expired(*, now=None) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS (0 keeps everything); the purge is itself recorded."""
    days = settings.AUDIT_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the trigger lets this transaction, and only it, delete
                cursor.execute("SET LOCAL audit.allow_purge = 'on'")
        removed = AuditEvent.objects.filter(at__lt=cutoff)._purge()
        if removed:
            record("audit.purged", detail={"removed": removed, "before": cutoff.isoformat(), "days": days})
    return removed


def export_csv(*, acting_user: Any, events: Iterable[AuditEvent], filters: Mapping[str, str]) -> str:
    """The selected entries as CSV; exporting is itself an audited action."""
    require_audit_reader(acting_user)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events:
        count += 1
        row = []
        for column in CSV_COLUMNS:
            value = getattr(event, column)
            row.append(value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else value))
        writer.writerow(_defuse(row))
    record("audit.exported", actor=acting_user, detail={"filters": dict(filters), "rows": count})
    return buffer.getvalue()


def _defuse(row: list) -> list:
    """A spreadsheet must not run a formula an attacker typed as their e-mail or user agent."""
    return [
        f"'{cell}" if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell for cell in row
    ]


def record_content_deletion(*, actor: Any, kind: str, object_id: int, author_id: int | None, **where: Any) -> None:
    """A deletion of content: by its author, or by a moderator (someone else). Never the content itself:
    admins read the log and do not read departments' content, so the entry names only ids."""
    action = "content.deleted" if actor is not None and actor.pk == author_id else "content.moderated"
    record(action, actor=actor, detail={"kind": kind, "id": object_id, "author_id": author_id, **where})
