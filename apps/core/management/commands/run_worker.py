"""The background worker: runs queued tasks (scheduled posts, reminders, e-mail).

A thin wrapper over django-tasks-db's `db_worker`, so `make run` and production start
the same thing. At start it also queues a sweep for scheduled posts whose task was lost (e.g.
the database was restored from a backup), and the tick of periodic jobs (apps/core/periodic.py),
which apps use for their own sweeps, reminders and digests.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background tasks until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (default 1).")
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")

    def handle(self, *args, **options) -> None:
        from apps.core.periodic import tick
        from apps.feed.tasks import publish_overdue_posts

        publish_overdue_posts.enqueue()
        tick.enqueue()  # periodic jobs (digests, reminders, clean-ups): see apps/core/periodic.py
        worker_args = ["--interval", str(options["interval"]), "--no-startup-delay"]
        if options["batch"]:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args)
