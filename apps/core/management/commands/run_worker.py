"""The background worker: runs queued tasks (scheduled posts, reminders, e-mail).

A thin wrapper over django-tasks-db's `db_worker`, so `make run` and production start
the same thing. At start it also queues sweeps for scheduled posts and overdue questions whose
task was lost (e.g. the database was restored from a backup).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background tasks until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (default 1).")
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")

    def handle(self, *args, **options) -> None:
        from apps.feed.tasks import publish_overdue_posts
        from apps.questions.tasks import escalate_overdue_questions

        publish_overdue_posts.enqueue()
        escalate_overdue_questions.enqueue()
        worker_args = ["--interval", str(options["interval"]), "--no-startup-delay"]
        if options["batch"]:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args)
