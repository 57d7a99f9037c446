"""A background task's log lines in the worker carry the request id of the request that queued it
(apps.core.task_origin), so an operator follows one id from the access log into the worker's log."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from apps.core.request_id import HEADER, NO_REQUEST, RequestIdLogFilter, current_request_id, set_request_id
from apps.feed.tasks import publish_overdue_posts

pytestmark = pytest.mark.django_db


@pytest.fixture
def task_log(caplog):
    """Django's task lines (state=RUNNING, SUCCESSFUL/FAILED) with the request id the log format adds."""
    caplog.handler.addFilter(RequestIdLogFilter())
    caplog.set_level(logging.INFO, logger="django.tasks")
    return caplog


def run(row: DBTaskResult) -> None:
    """What `manage.py run_worker` does with a task (django-tasks-db's worker: claim, run), in this process."""
    row.claim("test-worker")
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])  # fmt: skip
    worker.run_task(row)


def test_a_task_queued_by_a_request_is_logged_by_the_worker_with_that_request_id(
    client_as, manager, department, task_log
):
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    response = client_as("manager").post(
        "/api/v1/posts/", {"department": department.slug, "body": "Later", "publish_at": later},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    (row,) = DBTaskResult.objects.filter(task_path="apps.feed.tasks.publish_scheduled_post")
    assert row.args_kwargs == {"args": [response.json()["id"]], "kwargs": {}, "request_id": response[HEADER]}

    set_request_id(NO_REQUEST)  # the test client ran the request in this thread; the worker has none of its own
    run(row)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    lines = [record for record in task_log.records if record.name == "django.tasks"]
    assert [line.getMessage().rsplit("=", 1)[1] for line in lines] == ["RUNNING", "SUCCESSFUL"]
    assert [line.request_id for line in lines] == [response[HEADER]] * 2
    assert current_request_id() == NO_REQUEST  # not carried over to whatever the worker logs next


def test_a_task_queued_outside_a_request_is_logged_without_one(task_log):
    set_request_id(NO_REQUEST)
    publish_overdue_posts.enqueue()
    (row,) = DBTaskResult.objects.all()
    assert row.args_kwargs["request_id"] == NO_REQUEST
    run(row)
    assert {r.request_id for r in task_log.records if r.name == "django.tasks"} == {NO_REQUEST}
