"""Idempotent demo data: departments, people with photos and bios, memberships, an org chart.

Running it again adds what is missing and changes nothing else, so it is safe in
`make run`. The size options make data sets for benchmarks.
"""

import random

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.text import slugify

from apps.accounts.models import User
from apps.core.demo_avatars import avatar_png
from apps.core.images import ImageLimits, open_validated_image, square_jpeg
from apps.core.markdown import render_markdown
from apps.departments.models import Department, Membership
from apps.departments.services import company_wide_department
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
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(users)} people in {len(departments)} departments (+ All staff)."
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
