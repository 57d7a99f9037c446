"""Idempotent demo data, composed from the demo steps that each app declares in its `demo.py`.

Running it again adds what is missing and changes nothing else, so it is safe in
`make run`. The size options make data sets for benchmarks (e.g. bench/feed_bench.sh:
2,000 people, 50 departments, 100,000 posts with comments and reactions).

To give a new app demo data, create `apps/<app>/demo.py` with a step; nothing here changes:

    from apps.core.demo import DemoContext, demo_step

    @demo_step("videos.playlists", after=["departments.memberships", "people.profiles"])
    def seed_playlists(ctx: DemoContext) -> str:
        rng = ctx.random("videos")           # deterministic, the step's own generator
        for department in ctx.departments:   # ctx.users[0] admin, [1] alice, [2] bob
            ...                              # create only what is missing
        return "12 new videos"               # for the summary line, or None

`after` orders the steps; `arguments=` adds the step's own options (read from
`ctx.options`); `atomic=False` when the step commits in batches itself. `-v 2` prints
how long each step took. The steps that exist: accounts.users, departments.departments,
departments.memberships, people.profiles, people.org_chart, people.photos, feed.posts,
chat.history, voting.boards.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.demo import DEMO_PASSWORD, DemoContext, demo_email, discover_demo_steps


class Command(BaseCommand):
    help = "Load demo data (idempotent). Size options make benchmark data sets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=40, help="People in total (default 40).")
        parser.add_argument("--departments", type=int, default=6, help="Departments besides All staff (default 6).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any user exists.")
        parser.add_argument("--seed", type=int, default=42)
        discover_demo_steps().add_arguments(parser)

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        users = get_user_model().objects
        if options["if_empty"] and users.exists():
            self.stdout.write("Database already has users: demo data not loaded again.")
            if users.filter(email=demo_email("admin")).exists():
                self._print_login()
            return
        if options["users"] < 3 or options["departments"] < 1:
            raise CommandError("Use at least --users 3 and --departments 1.", returncode=2)
        ctx = DemoContext(options=options, seed=options["seed"], log=self.stdout.write)
        summaries = discover_demo_steps().run(ctx, timed=self._print_step_time)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {', '.join(summaries)}."))
        self._print_login()

    def _print_step_time(self, name: str, seconds: float) -> None:
        if self.verbosity >= 2:
            self.stdout.write(f"  {name}: {seconds:.1f} s")

    def _print_login(self) -> None:
        self.stdout.write(
            f"Demo login: {demo_email('admin')} (admin), {demo_email('alice')} (manager of Sales), "
            f"{demo_email('bob')} (member of Sales); password: {DEMO_PASSWORD}"
        )
