"""Jobs the worker runs every so often (digests, reminders, clean-ups), without cron.

An app declares a job next to its tasks:

    @periodic(every=timedelta(hours=1))
    @task
    def send_due_digests() -> int: ...

`run_worker` starts a `tick` task that re-queues itself every `TICK` seconds; each tick
enqueues the jobs whose time has come. A job's `PeriodicRun` row is locked while it is
claimed, so several workers (or a worker restarted many times) run each job once per
period. The job itself decides what is due (it must be safe to run late or twice).
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import PeriodicRun

TICK = timedelta(seconds=60)
_jobs: dict[str, tuple[Callable, timedelta]] = {}


def periodic(*, every: timedelta) -> Callable:
    """Register a Django task to be enqueued every `every` by the worker."""

    def register(job):
        _jobs[f"{job.module_path}"] = (job, every)
        return job

    return register


def registered() -> dict[str, tuple[Callable, timedelta]]:
    return dict(_jobs)


def _claim(name: str, every: timedelta) -> bool:
    now = timezone.now()
    with transaction.atomic():
        run, _ = PeriodicRun.objects.select_for_update().get_or_create(name=name)
        if run.last_started_at is not None and now - run.last_started_at < every:
            return False
        run.last_started_at = now
        run.save(update_fields=["last_started_at"])
    return True


def enqueue_due() -> list[str]:
    """Enqueue every job whose period has passed; returns their names."""
    started = []
    for name, (job, every) in sorted(_jobs.items()):
        if _claim(name, every):
            job.enqueue()
            started.append(name)
    return started


@task
def tick() -> list[str]:
    """Enqueue what is due, then come back in TICK (unless another chain of ticks already runs)."""
    started = enqueue_due()
    if _claim("__tick__", TICK * 0.5):
        tick.using(run_after=timezone.now() + TICK).enqueue()
    return started
