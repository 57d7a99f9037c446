"""Idempotent demo data: departments, people with photos and bios, memberships, an org chart, feed posts.

Running it again adds what is missing and changes nothing else, so it is safe in
`make run`. The size options make data sets for benchmarks (e.g. bench/feed_bench.sh:
2,000 people, 50 departments, 100,000 posts with comments and reactions).
"""

import random
import time
from collections import Counter
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.core.demo_avatars import avatar_png
from apps.core.images import ImageLimits, open_validated_image, square_jpeg
from apps.core.markdown import render_markdown
from apps.departments.models import Department, Membership
from apps.departments.services import company_wide_department
from apps.feed.models import REACTION_EMOJI, Comment, Post, Reaction
from apps.people.models import Profile

DEMO_PASSWORD = "intranet-demo-2026"
DEMO_DOMAIN = "example.com"
DEPARTMENTS = [
    ("Sales", "Win and grow customer accounts.", "We help customers **succeed** with our products, honestly and fast."),
    ("HR", "People, hiring and well-being.", "Hire well, grow people, and keep the workplace fair and safe."),
    ("Customer Service", "Help customers every day.", "Every question answered within one business day."),
    ("Product", "What we build next, and why.", "Build the few things customers need most, *well*."),
    ("Engineering", "Build and run the platform.", "Ship small, safe changes every day."),
    ("Marketing", "Tell the story.", "Make sure the right people hear about us."),
    ("Finance", "Money in, money out.", "Close the books in five days; no surprises."),
    ("Operations", "Keep the lights on.", "Sites, equipment and suppliers that simply work."),
]
FIRST = [
    "Alice",
    "Bob",
    "Chloé",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kenji",
    "Lea",
    "Marco",
    "Nadia",
    "Oscar",
    "Priya",
    "Quentin",
    "Rosa",
]
LAST = [
    "Martin",
    "Okafor",
    "Dubois",
    "Schmidt",
    "Rossi",
    "Nguyen",
    "Kowalski",
    "García",
    "Larsen",
    "Haddad",
    "Tanaka",
    "Silva",
    "Murphy",
    "Novak",
]
TITLES = ["Account Executive", "Specialist", "Team Lead", "Analyst", "Coordinator", "Senior Specialist",
          "Consultant", "Associate", "Engineer", "Designer", "Advisor"]  # fmt: skip
SITES = ["Paris", "Berlin", "Lisbon", "Remote", "Warsaw", "Dublin", "Lyon", "Amsterdam"]
# Feed posts are one opening and one detail paragraph (each pair rendered to HTML once),
# comments one of a few short lines: realistic sizes without a markdown render per row.
POST_OPENINGS = [
    "Quick update from the team: the **quarterly numbers** are in and they look good.",
    "Reminder: the office kitchen gets a deep clean on *Friday*, please take your things home.",
    "We just shipped the new onboarding checklist. Thanks to everyone who tested it!",
    "Who is joining the charity run next month? We have **12 places** left.",
    "Lessons learned from last week's customer workshop, in three points:",
    "Welcome to our new colleagues who started this week.",
    "The supplier review is done; here is what changes for us.",
    "Heads-up: the VPN will be down for maintenance on Sunday morning.",
    "Great feedback from a customer today, worth sharing with everyone.",
    "Our team offsite is booked. Agenda and travel details below.",
    "New process for expense reports, starting on the first of the month.",
    "Thanks for a fantastic quarter, everyone. A few highlights:",
]
POST_DETAILS = [
    "- Revenue up 8 %\n- Churn down to 2.1 %\n- Two new key accounts",
    "Questions? Ask in the comments or drop by on Thursday afternoon.",
    "The full write-up is on the shared drive; the short version: *listen first, then propose*.",
    "1. Book your slot\n2. Bring your badge\n3. Enjoy the coffee",
    "Please read it before the next team meeting, it takes five minutes.",
    "Details: https://example.com/intranet/news (internal link).",
    "If this affects your work, tell your manager **this week** so we can plan.",
    "We will review how it went in a month and adjust. Feedback welcome!",
    "> Simple things, done well, every day.\n\nThat is the whole plan.",
    "Shout-out to the people who stayed late to make this happen. 🙌",
]
COMMENTS = [
    "Thanks for sharing!",
    "Great news 🎉",
    "Count me in.",
    "Can we discuss this at the next team meeting?",
    "Very helpful, **thank you**.",
    "Is there a recording for those who missed it?",
    "Agreed, let's do it.",
    "Where can I find the details?",
    "Well done, team!",
    "I have a question about the second point, I'll send you a message.",
]
ANNOUNCEMENT_EVERY = 50  # one post in 50 is an announcement by a manager
POST_SPACING = timedelta(minutes=10)  # 100,000 posts span about two years up to now
POST_BATCH = 2000

SKILLS = ["negotiation", "SQL", "onboarding", "Excel", "public speaking", "Python", "customer care", "design",
          "budgeting", "German", "Spanish", "coaching", "writing", "data analysis", "project management"]  # fmt: skip


class Command(BaseCommand):
    help = "Load demo data (idempotent). Size options make benchmark data sets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=40, help="People in total (default 40).")
        parser.add_argument("--departments", type=int, default=6, help="Departments besides All staff (default 6).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any user exists.")
        parser.add_argument("--no-photos", action="store_true", help="Skip generated photos (faster).")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--posts", type=int, default=60,
            help="Feed posts in total (default 60): only the missing ones are created, in bulk.",
        )  # fmt: skip
        parser.add_argument(
            "--comments-per-post", type=float, default=2.0,
            help="Average comments on each new post, some of them replies (default 2).",
        )  # fmt: skip
        parser.add_argument(
            "--reactions-per-post", type=float, default=3.0,
            help="Average reactions on each new post, by different members (default 3).",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("Database already has users: demo data not loaded again.")
            if User.objects.filter(email=f"admin@{DEMO_DOMAIN}").exists():
                self._print_login()
            return
        if options["users"] < 3 or options["departments"] < 1:
            self.stderr.write("Use at least --users 3 and --departments 1.")
            raise SystemExit(2)
        seed = options["seed"]
        with transaction.atomic():
            departments = self._departments(options["departments"])
            users = self._users(options["users"])
            # One generator per step, so that a re-run draws the same numbers for each step
            # whatever earlier steps skipped: that is what keeps it idempotent.
            new_profiles = self._profiles(users, random.Random(f"{seed}-profiles"))
            self._memberships(users, departments, random.Random(f"{seed}-memberships"))
            self._managers(users, departments)
        if not options["no_photos"]:
            self._photos(new_profiles)
        posts = self._posts(
            users, departments, options["posts"], options["comments_per_post"], options["reactions_per_post"], seed
        )
        from apps.voting.demo import seed_voting

        voting = seed_voting(seed=seed)  # boards that already have ideas are left alone
        from apps.chat.demo import seed_chat

        chat = seed_chat(seed=seed)  # rooms that already have messages are left alone
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(users)} people in {len(departments)} departments (+ All staff), {posts} posts, "
            f"{voting.ideas} new ideas and {voting.polls} new polls, {chat.messages} new chat messages."
        ))  # fmt: skip
        self._print_login()

    def _print_login(self) -> None:
        self.stdout.write(
            f"Demo login: admin@{DEMO_DOMAIN} (admin), alice@{DEMO_DOMAIN} (manager of Sales), "
            f"bob@{DEMO_DOMAIN} (member of Sales); password: {DEMO_PASSWORD}"
        )

    def _departments(self, count: int) -> list[Department]:
        company_wide_department()
        result = []
        for i in range(count):
            if i < len(DEPARTMENTS):
                name, description, mission = DEPARTMENTS[i]
            else:
                name, description, mission = f"Team {i + 1}", f"Team number {i + 1}.", "Do great work together."
            department, _ = Department.objects.get_or_create(
                slug=slugify(name),
                defaults={"name": name, "description": description, "mission": mission,
                          "mission_html": render_markdown(mission)},
            )  # fmt: skip
            result.append(department)
        return result

    def _users(self, count: int) -> list[User]:
        emails = [f"admin@{DEMO_DOMAIN}", f"alice@{DEMO_DOMAIN}", f"bob@{DEMO_DOMAIN}"]
        emails += [f"person{i:05d}@{DEMO_DOMAIN}" for i in range(3, count)]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        password = make_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
        User.objects.bulk_create(
            [User(email=e, password=password, is_staff=(e.startswith("admin@")), is_superuser=e.startswith("admin@"))
             for e in emails if e not in existing],
            batch_size=500,
        )  # fmt: skip
        by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
        return [by_email[e] for e in emails]

    def _profiles(self, users: list[User], rng: random.Random) -> list[Profile]:
        have = set(Profile.objects.filter(user__in=users).values_list("user_id", flat=True))
        fixed = {
            0: ("Ada Admin", "IT Administrator"),
            1: ("Alice Martin", "Head of Sales"),
            2: ("Bob Okafor", "Account Executive"),
        }
        new = []
        for i, user in enumerate(users):
            if user.pk in have:
                continue
            name, title = fixed.get(i, (f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(TITLES)))
            skills = ", ".join(rng.sample(SKILLS, 3))
            site = rng.choice(SITES)
            hobby = rng.choice(["cycling", "chess", "baking", "choir", "hiking"])
            bio = (
                f"Hi, I'm {name.split()[0]}. I work as *{title}* from our {site} office.\n\n"
                f"Ask me about **{skills.split(', ')[0]}**. Outside work: {hobby}."
            )
            phone = "+33 1 " + " ".join(str(rng.randint(10, 99)) for _ in range(4))
            new.append(Profile(
                user=user, display_name=name, job_title=title, bio=bio, bio_html=render_markdown(bio),
                skills=skills, location=site, phone=phone,
            ))  # fmt: skip
        Profile.objects.bulk_create(new, batch_size=500)
        return list(Profile.objects.filter(user__in=[p.user_id for p in new]))

    def _memberships(self, users: list[User], departments: list[Department], rng: random.Random) -> None:
        # Managers first, so that with ignore_conflicts their row wins over a member row;
        # alice manages the first department, with bob in it; the
        # first person placed in each other department manages that one.
        def manager_of(d: int) -> User:
            return users[2 + d] if d > 0 and 2 + d < len(users) else users[1]

        rows = [
            Membership(user=manager_of(d), department=department, role=Membership.Role.MANAGER)
            for d, department in enumerate(departments)
        ]
        for i, user in enumerate(users[1:], start=1):
            rows.append(Membership(user=user, department=departments[max(i - 2, 0) % len(departments)]))
            if rng.random() < 0.15 and len(departments) > 1:
                rows.append(Membership(user=user, department=rng.choice(departments)))
        Membership.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)

    def _managers(self, users: list[User], departments: list[Department]) -> None:
        """Department managers report to the admin; members report to their department's manager."""
        managers = dict(
            Membership.objects.filter(department__in=departments, role=Membership.Role.MANAGER).values_list(
                "department_id", "user_id"
            )
        )
        profiles = Profile.objects.filter(user__in=users, manager__isnull=True).exclude(user=users[0])
        to_update = []
        home = dict(
            Membership.objects.filter(user__in=users, department__in=departments, role=Membership.Role.MEMBER)
            .order_by("user_id", "id").values_list("user_id", "department_id")
        )  # fmt: skip
        manager_ids = set(managers.values())
        for profile in profiles:
            if profile.user_id in manager_ids:
                profile.manager_id = users[0].pk
            elif (dept := home.get(profile.user_id)) in managers:
                profile.manager_id = managers[dept]
            else:
                continue
            to_update.append(profile)
        Profile.objects.bulk_update(to_update, ["manager"], batch_size=500)

    def _photos(self, profiles: list[Profile]) -> None:
        limits = ImageLimits(max_bytes=5_000_000, max_pixels=1_000_000)
        for profile in profiles:
            upload = SimpleUploadedFile("avatar.png", avatar_png(profile.display_name), content_type="image/png")
            image = open_validated_image(upload, limits)
            profile.photo.save("photo.jpg", ContentFile(square_jpeg(image, 256)), save=False)
            profile.photo_thumbnail.save("thumb.jpg", ContentFile(square_jpeg(image, 128, quality=80)), save=False)
            profile.save(update_fields=["photo", "photo_thumbnail"])

    def _posts(
        self, users: list[User], departments: list[Department], total: int, comments: float, reactions: float, seed: int
    ) -> int:
        """Posts up to `total`, with comments and reactions, bulk-created in batches; returns the post count.

        Post number k always gets the same department, author, text, comments and reactions
        (one generator per post), so an interrupted or repeated run only adds the missing
        ones. Each batch is one transaction whose counters match the rows it created.
        """
        existing = Post.objects.count()
        if existing >= total:
            return existing
        started = time.monotonic()
        company = company_wide_department()
        members: dict[int, list[int]] = {d.pk: [] for d in departments}
        managers: dict[int, list[int]] = {d.pk: [] for d in departments}
        user_ids = {u.pk for u in users}
        rows = Membership.objects.filter(department__in=departments, user__in=users)
        for user_id, department_id, role in rows.order_by("id").values_list("user_id", "department_id", "role"):
            members[department_id].append(user_id)
            if role == Membership.Role.MANAGER:
                managers[department_id].append(user_id)
        members[company.pk] = sorted(user_ids)  # everyone belongs to All staff
        managers[company.pk] = [users[0].pk]  # the admin speaks for the company
        spaces = [d for d in departments if members[d.pk]]
        confidential = {d.pk for d in departments if d.is_confidential_by_default}
        now = timezone.now()
        html: dict[str, str] = {}

        def rendered(body: str) -> str:
            if body not in html:
                html[body] = render_markdown(body)
            return html[body]

        created = Counter()
        for start in range(existing, total, POST_BATCH):
            posts, top, replies, likes = [], [], [], []
            for k in range(start, min(start + POST_BATCH, total)):
                rng = random.Random(f"{seed}-post-{k}")
                department = company if rng.random() < 0.1 or not spaces else rng.choice(spaces)
                people = members[department.pk]
                published = now - (total - 1 - k) * POST_SPACING - rng.random() * POST_SPACING
                body = f"{rng.choice(POST_OPENINGS)}\n\n{rng.choice(POST_DETAILS)}"
                post = Post(
                    department=department, author_id=rng.choice(people), body=body, body_html=rendered(body),
                    is_confidential=not department.is_company_wide
                    and (department.pk in confidential or rng.random() < 0.05),
                    publish_at=published, published_at=published,
                )  # fmt: skip
                if k % ANNOUNCEMENT_EVERY == 7 and managers[department.pk]:
                    # Pinned for two weeks: the recent ones are still on top of the feed.
                    post.kind = Post.Kind.ANNOUNCEMENT
                    post.author_id = rng.choice(managers[department.pk])
                    post.pinned_until = published + timedelta(days=14)
                    if k % (2 * ANNOUNCEMENT_EVERY) == 7:
                        post.requires_ack, post.ack_due_at = True, published + timedelta(days=7)
                mine = []
                for _ in range(int(rng.random() * (2 * comments + 1))):
                    text = rng.choice(COMMENTS)
                    comment = Comment(post=post, author_id=rng.choice(people), body=text, body_html=rendered(text))
                    if mine and rng.random() < 0.3:
                        comment.parent = rng.choice([c for c in mine if c.parent is None])
                        replies.append(comment)
                    else:
                        top.append(comment)
                    mine.append(comment)
                post.comment_count = len(mine)
                reactors = rng.sample(people, min(len(people), int(rng.random() * (2 * reactions + 1))))
                emoji = [rng.choice(list(REACTION_EMOJI)) for _ in reactors]
                likes += [Reaction(post=post, user_id=u, emoji=e) for u, e in zip(reactors, emoji, strict=True)]
                post.reaction_counts = dict(sorted(Counter(emoji).items()))
                posts.append(post)
            with transaction.atomic():
                Post.objects.bulk_create(posts, batch_size=1000)
                # created_at is auto_now_add: align it with the publication time afterwards.
                Post.objects.filter(pk__in=[p.pk for p in posts]).update(created_at=F("publish_at"))
                Comment.objects.bulk_create(top, batch_size=1000)
                Comment.objects.bulk_create(replies, batch_size=1000)
                Reaction.objects.bulk_create(likes, batch_size=1000)
            created.update(posts=len(posts), comments=len(top) + len(replies), reactions=len(likes))
        if created["posts"] >= 10_000:
            with connection.cursor() as cursor:  # fresh statistics, so the planner uses the feed indexes
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"Created {created['posts']} posts, {created['comments']} comments and {created['reactions']} reactions "
            f"in {time.monotonic() - started:.1f} s."
        )
        return existing + created["posts"]
