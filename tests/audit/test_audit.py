"""The audit log: what services record (who, what, when, from where, before/after), that nobody
can change or delete an entry (the ORM and, on PostgreSQL, the database refuse), retention by the
worker, and the admins' and auditors' viewer with its filters and CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.utils import timezone

from apps.audit.models import AppendOnly, AuditEvent
from apps.audit.services import purge_expired, record
from apps.departments.services import department_create, department_delete
from apps.feed import services as feed
from apps.policies import services as policies
from tests.factories import PASSWORD, add_member
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (audit test)"


def entries(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_password_sign_in_failure_and_sign_out_are_recorded_with_where_from(member):
    client = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": member.email, "password": "wrong-wrong-wrong"})
    (failed,) = entries("auth.login_failed")
    assert failed.actor_id is None and failed.actor_email == member.email
    assert failed.ip_address == "10.1.2.3" and failed.user_agent == BROWSER and len(failed.request_id) == 32

    assert client.post("/accounts/login/", {"username": member.email, "password": PASSWORD}).status_code == 302
    (login,) = entries("auth.login")
    assert login.actor_id == member.pk and login.detail == {"method": "password"} and login.ip_address == "10.1.2.3"

    client.post("/accounts/logout/")
    (logout,) = entries("auth.logout")
    assert logout.actor_id == member.pk


def test_a_lockout_is_recorded(member, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/accounts/login/", {"username": member.email, "password": "guess-guess-guess"})
    assert entries("auth.locked_out")[0].actor_email == member.email
    assert len(entries("auth.login_failed")) >= settings.AXES_FAILURE_LIMIT - 1


def test_api_tokens_created_refused_and_revoked_are_recorded(member):
    client = Client()
    client.post("/api/v1/auth/token/", {"email": member.email, "password": "nope-nope-nope"}, "application/json")
    assert entries("auth.login_failed")[0].detail == {"method": "api_token"}
    token = client.post("/api/v1/auth/token/", {"email": member.email, "password": PASSWORD}, "application/json")
    key = token.json()["token"]
    assert entries("auth.token_created")[0].actor_id == member.pk
    assert client.delete("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 204
    assert entries("auth.token_revoked")[0].target_id == member.pk


def test_membership_changes_record_the_actor_and_the_role_before_and_after(client_as, manager, outsider, department):
    client = client_as("manager")
    client.post("/departments/sales/members/", {"email": outsider.email, "role": "member"})
    client.post(f"/departments/sales/members/{outsider.pk}/role/", {"role": "manager"})
    client.post(f"/departments/sales/members/{outsider.pk}/remove/")
    added = [e for e in entries("membership.added") if e.target_id == outsider.pk and e.actor_id == manager.pk]
    assert added and added[0].after == {"role": "member"} and added[0].detail["department_id"] == department.pk
    (changed,) = entries("membership.role_changed")
    assert (changed.actor_id, changed.before, changed.after) == (manager.pk, {"role": "member"}, {"role": "manager"})
    (removed,) = entries("membership.removed")
    assert removed.before == {"role": "manager"} and removed.target_type == "accounts.user"


def test_account_and_admin_role_changes_through_the_api_are_recorded(client_as, admin_user, member):
    client = client_as("admin_user")
    client.patch(f"/api/v1/users/{member.pk}/", {"is_staff": True}, "application/json")
    client.patch(f"/api/v1/users/{member.pk}/", {"is_active": False}, "application/json")
    (admin_changed,) = entries("user.admin_changed")
    assert admin_changed.before == {"is_staff": False} and admin_changed.after == {"is_staff": True}
    (deactivated,) = entries("user.deactivated")
    assert deactivated.actor_id == admin_user.pk and deactivated.target_id == member.pk
    assert deactivated.after == {"is_active": False}


def test_department_creation_rename_and_deletion_are_recorded(admin_user, member):
    department = department_create(acting_user=admin_user, name="Legal")
    add_member(department, member)
    from apps.departments.services import department_update

    department_update(acting_user=admin_user, department=department, name="Legal & Compliance", mission="Secret")
    department_delete(acting_user=admin_user, department=department)
    assert entries("department.created")[-1].after == {"name": "Legal", "slug": "legal"}
    (updated,) = entries("department.updated")
    assert updated.before == {"name": "Legal"} and updated.after == {"name": "Legal & Compliance"}
    assert updated.detail == {"fields": ["mission", "name"]}  # the mission's text is content: not in the log
    (deleted,) = entries("department.deleted")
    assert deleted.before == {"name": "Legal & Compliance", "slug": "legal", "members": 1}


def test_deletions_say_whether_the_author_or_a_moderator_deleted_and_never_hold_the_content(
    member, manager, department
):
    mine = feed.post_create(acting_user=member, department=department, body="Quarterly numbers: 42")
    theirs = feed.post_create(acting_user=member, department=department, body="Salary list")
    feed.post_delete(acting_user=member, post=mine)
    feed.post_delete(acting_user=manager, post=theirs)
    (own,) = entries("content.deleted")
    (moderated,) = entries("content.moderated")
    assert own.detail == {"kind": "post", "id": mine.pk, "author_id": member.pk, "department_id": department.pk}
    assert moderated.actor_id == manager.pk and moderated.detail["author_id"] == member.pk
    assert not AuditEvent.objects.filter(detail__icontains="Salary").exists()
    assert "Salary" not in str(list(AuditEvent.objects.values()))


def test_policy_changes_are_recorded_as_counts(manager, department):
    policy = policies.policy_create(acting_user=manager, department=department, body="Be kind.")
    policies.policy_set_rules(
        acting_user=manager, policy=policy, never_share_words=["Project Falcon"], never_share_patterns=[]
    )
    policies.policy_publish_version(acting_user=manager, policy=policy, body="Be kinder.", summary="Kinder")
    (rules,) = entries("policy.rules_changed")
    assert rules.before == {"words": 0, "patterns": 0} and rules.after == {"words": 1, "patterns": 0}
    assert entries("policy.published")[0].after == {"version": 2, "needs_acceptance": True}
    assert "Falcon" not in str(list(AuditEvent.objects.values()))


def test_an_entry_rolls_back_with_the_change_it_describes(admin_user):
    def create_then_fail() -> None:
        with transaction.atomic():
            department_create(acting_user=admin_user, name="Ephemeral")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert not entries("department.created")


def test_the_orm_refuses_to_change_or_delete_entries(member):
    entry = record("auth.login", actor=member)
    entry.action = "auth.logout"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=entry.pk).update(action="auth.logout")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(ValueError, match="Unknown audit action"):
        record("made.up", actor=member)


def test_on_postgresql_the_database_itself_refuses_updates_and_deletes(member):
    assert connection.vendor == "postgresql", "CI runs on PostgreSQL; the trigger is PostgreSQL's"
    entry = record("auth.login", actor=member)
    for statement in ("UPDATE audit_auditevent SET action = 'auth.logout'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement + " WHERE id = %s", [entry.pk])

    # Even the purge flag does not let a recent entry go.
    def purge_recent() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.allow_purge = 'on'")
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [entry.pk])

    with pytest.raises(DatabaseError, match="append-only"):
        purge_recent()
    assert AuditEvent.objects.filter(pk=entry.pk, action="auth.login").exists()


def _old_entry(days: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, action, actor_email, target_type, target_repr, user_agent, request_id,"
            " detail) VALUES (%s, 'auth.login', 'old@example.com', '', '', '', '', '{}') RETURNING id",
            [timezone.now() - timedelta(days=days)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)  # the worker commits as it would in production
def test_the_worker_removes_entries_older_than_the_retention(settings, member, run_worker):
    settings.AUDIT_RETENTION_DAYS = 30
    expired, kept = _old_entry(40), _old_entry(20)
    recent = record("auth.login", actor=member)
    from apps.audit.tasks import purge_expired_audit_events

    purge_expired_audit_events.enqueue()
    run_worker()
    remaining = set(AuditEvent.objects.values_list("id", flat=True))
    assert expired not in remaining and {kept, recent.pk} <= remaining
    (purged,) = entries("audit.purged")
    assert purged.detail["removed"] == 1 and purged.actor_id is None


def test_retention_zero_keeps_everything(settings):
    settings.AUDIT_RETENTION_DAYS = 0
    old = _old_entry(4000)
    assert purge_expired() == 0 and AuditEvent.objects.filter(pk=old).exists()


def test_the_retention_job_is_registered_with_the_worker():
    from apps.core.periodic import registered

    assert any(name.endswith("purge_expired_audit_events") for name in registered())


ROUTES = matrix(
    ("get", "/audit/", None, expect(302, 404, 404, 404, 200)),
    ("get", "/audit/?action=auth&since=2020-01-01&until=2999-12-31&ip=10.0.0.1&actor=x&target_id=1", None,
     expect(302, 404, 404, 404, 200)),
    ("get", "/audit/export.csv", None, expect(302, 404, 404, 404, 200)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    return {}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_only_admins_and_auditors_read_the_audit_log(client_as, world, route, role):
    check(client_as, world, route, role)


def test_an_auditor_who_is_not_an_admin_reads_the_log(member):
    member.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client = Client()
    client.force_login(member)
    assert client.get("/audit/").status_code == 200
    assert client.get("/audit/export.csv").status_code == 200


def test_the_viewer_filters_by_who_what_when_and_where(client_as, admin_user, member, outsider):
    Client(REMOTE_ADDR="10.9.9.9").post("/accounts/login/", {"username": member.email, "password": PASSWORD})
    record("auth.logout", actor=outsider)
    client = client_as("admin_user")

    def shown(**query) -> set[str]:
        return {(e.action, e.actor_email) for e in client.get("/audit/", query).context["page"].items}

    assert ("auth.login", member.email) in shown(actor=member.email)
    assert ("auth.logout", outsider.email) not in shown(actor=member.email)
    assert shown(action="auth.logout") == {("auth.logout", outsider.email)}
    assert shown(ip="10.9.9.9") == {("auth.login", member.email)}
    assert shown(until="2000-01-01") == set()
    assert ("auth.logout", outsider.email) in shown(since=timezone.now().date().isoformat())
    assert shown(ip="not-an-ip") == set()
    page = client.get("/audit/", {"action": "auth.logout"}).content.decode()
    assert "Signed out" in page and outsider.email in page


def test_the_export_is_csv_of_the_filtered_entries_and_is_itself_recorded(client_as, admin_user, outsider):
    record("auth.login_failed", actor_email='=HYPERLINK("http://evil")')
    record("auth.logout", actor=outsider)
    response = client_as("admin_user").get("/audit/export.csv", {"action": "auth.login_failed"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["action"] for row in rows] == ["auth.login_failed"]
    assert rows[0]["actor_email"].startswith("'=")  # a spreadsheet shows it, never runs it
    (exported,) = entries("audit.exported")
    assert exported.actor_id == admin_user.pk and exported.detail == {
        "filters": {"action": "auth.login_failed"},
        "rows": 1,
    }


@pytest.mark.parametrize("count", [5, 60])
def test_the_viewer_needs_the_same_queries_however_many_entries(
    client_as, admin_user, count, django_assert_max_num_queries
):
    for i in range(count):
        record("auth.login_failed", actor_email=f"x{i}@example.com")
    client = client_as("admin_user")
    with django_assert_max_num_queries(6):
        assert client.get("/audit/").status_code == 200


def test_the_admin_site_lists_filters_and_exports_but_never_edits(client_as, admin_user, member):
    entry = record("auth.login", actor=member)
    client = client_as("admin_user")
    assert client.get("/admin/audit/auditevent/?action__exact=auth.login").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{entry.pk}/change/").status_code == 200  # a read-only view
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{entry.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/audit/auditevent/", {"action": "export_selected_as_csv", "_selected_action": [entry.pk]}
    )
    assert response["Content-Type"].startswith("text/csv") and member.email in response.content.decode()
    assert AuditEvent.objects.filter(pk=entry.pk, action="auth.login").exists()
