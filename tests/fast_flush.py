"""Transactional tests end by emptying every table: on PostgreSQL with DELETE, not Django's TRUNCATE.

After each transactional test (live daphne, WebSockets, the worker: about 400 of them),
Django's flush TRUNCATEs every table, which gives each one new files (~0.3 s for 90 tables
here), then re-creates the content types and permissions it has just emptied (post_migrate,
0.1-0.3 s): about a third of the suite's teardown and setup time. A test leaves a few rows,
so DELETE empties the same tables (Django's own list of them) in ~15 ms; foreign-key
triggers are off for that one transaction (`session_replication_role`, a superuser setting,
as the CI's `postgres` is), so the order does not matter. Content types and permissions
are kept rather than emptied and re-created, since no test changes them. DELETE takes row
locks only, so a live server's open read no longer blocks the flush as TRUNCATE's exclusive
lock did. Anything else (SQLite, a non-superuser, `available_apps`, serialized rollback)
gets Django's flush unchanged.
"""

from django.db import DatabaseError, connections, transaction
from django.test import TransactionTestCase

KEPT = frozenset({"django_migrations", "django_content_type", "auth_permission"})

_django_teardown = TransactionTestCase._fixture_teardown


def _delete_everything(db_name: str) -> bool:
    """Empty the tables of `db_name` with DELETE; False if this database cannot (then flush as Django does)."""
    connection = connections[db_name]
    if connection.vendor != "postgresql":
        return False
    tables = [t for t in connection.introspection.django_table_names(only_existing=True) if t not in KEPT]
    quote = connection.ops.quote_name
    try:
        with transaction.atomic(using=db_name), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
    except DatabaseError:
        return False
    return True


def _fixture_teardown(self: TransactionTestCase) -> None:
    if self.available_apps is not None or self.serialized_rollback:
        return _django_teardown(self)
    names = list(self._databases_names(include_mirrors=False))
    if not all(_delete_everything(name) for name in names):
        return _django_teardown(self)
    return None


def install() -> None:
    TransactionTestCase._fixture_teardown = _fixture_teardown
