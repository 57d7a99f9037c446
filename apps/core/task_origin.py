"""The request that queued a background task, on the worker's log lines for that task.

`DatabaseBackend` (TASKS in settings) is django-tasks-db's, storing the current request id
(apps.core.request_id) next to the task's arguments: `args_kwargs["request_id"]`, a key
django-tasks-db does not read. While the worker runs the task, that id is the current request
id (`bind_to_worker_logs`, connected in apps.core.apps), so every log line of the task — its
own, Django's "state=RUNNING" and "state=SUCCESSFUL/FAILED" lines, a traceback — carries the
id of the request that asked for the work, like that request's access-log line. A task queued
by a task inherits the id (a reminder chain traces back to its post); one queued outside a
request (the worker's periodic tick, a management command) has "-".
"""

from typing import Any

from django.tasks.signals import log_task_started, task_finished, task_started
from django_tasks_db import DatabaseBackend as BaseDatabaseBackend
from django_tasks_db.compat import normalize_json

from .request_id import NO_REQUEST, current_request_id, set_request_id

KEY = "request_id"


class DatabaseBackend(BaseDatabaseBackend):
    """django-tasks-db's backend; the row also records the request id (same one INSERT)."""

    def _row(self, task: Any, args: Any, kwargs: Any) -> dict[str, Any]:
        return {
            "id": self._get_id(),
            "args_kwargs": {**normalize_json({"args": args, "kwargs": kwargs}), KEY: current_request_id()},
            "priority": task.priority,
            "task_path": task.module_path,
            "queue_name": task.queue_name,
            "run_after": task.run_after,
            "backend_name": self.alias,
        }

    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.create(**self._row(task, args, kwargs))

    async def _atask_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        return await DBTaskResult.objects.acreate(**self._row(task, args, kwargs))


def queued_by(task_result: Any) -> str:
    """The request id stored with a task ("-" for tasks queued outside a request, or before this existed)."""
    db_result = getattr(task_result, "db_result", None)
    args_kwargs = getattr(db_result, "args_kwargs", None) or {}
    value = args_kwargs.get(KEY) if isinstance(args_kwargs, dict) else None
    return value if isinstance(value, str) and value else NO_REQUEST


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    set_request_id(queued_by(task_result))


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Connected after Django's own receiver: its "state=SUCCESSFUL/FAILED" line has the id.
    set_request_id(NO_REQUEST)


def bind_to_worker_logs() -> None:
    """Connect the receivers; Django's "state=RUNNING" logger is moved after ours so its line has the id too."""
    task_started.connect(_task_started, dispatch_uid="apps.core.task_origin.started")
    task_finished.connect(_task_finished, dispatch_uid="apps.core.task_origin.finished")
    if task_started.disconnect(log_task_started):
        task_started.connect(log_task_started)
