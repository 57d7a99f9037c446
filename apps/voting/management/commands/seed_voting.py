from django.core.management.base import BaseCommand, CommandParser

from apps.voting.demo import seed_voting


class Command(BaseCommand):
    help = "Demo ideas and polls on every board that has none yet (idempotent). Run after seed_demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--max-voters", type=int, default=15, help="Most votes per idea and ballots per poll.")

    def handle(self, *args, **options) -> None:
        seeded = seed_voting(seed=options["seed"], max_voters=options["max_voters"])
        self.stdout.write(self.style.SUCCESS(f"Voting demo data: {seeded.ideas} ideas and {seeded.polls} polls added."))
