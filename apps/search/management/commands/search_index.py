"""Build the search index from scratch: after bulk loads (benchmarks), a restore, or a language change."""

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from apps.search import index
from apps.search.ddl import compact, create_text_index, create_text_indexes, drop_text_indexes
from apps.search.models import Document


class Command(BaseCommand):
    help = "Rebuild the search index (every registered kind)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Only when the index has no documents yet.")
        parser.add_argument("--language", help="Rebuild the text column with this configuration (PostgreSQL).")
        parser.add_argument("--kind", action="append", help="Only these kinds (repeatable).")

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and Document.objects.exists():
            return
        started = time.monotonic()
        with transaction.atomic():
            if options["language"]:
                create_text_index(connection, options["language"])
            drop_text_indexes(connection)  # built once at the end instead of row by row
            counts = index.rebuild(kinds=options["kind"])
            create_text_indexes(connection)
        compact(connection)
        summary = ", ".join(f"{name} {count}" for name, count in counts.items())
        self.stdout.write(f"Search index built in {time.monotonic() - started:.1f} s: {summary}")
