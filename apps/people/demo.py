"""Demo people for `seed_demo`: a profile with a distinct name, title and bio each, an org chart, photos."""

import itertools
import random
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandParser

from apps.core.demo import DemoContext, demo_step
from apps.core.images import ImageLimits, open_validated_image, square_jpeg
from apps.core.markdown import render_markdown
from apps.departments.models import Membership

from .demo_avatars import avatar_png
from .models import Profile

# The admin, alice and bob, in the order of `ctx.users`.
FIXED = [("Ada Admin", "IT Administrator"), ("Alice Martin", "Head of Sales"), ("Bob Okafor", "Account Executive")]
FIRST = ["Alice", "Bob", "Chloé", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kenji", "Lea",
         "Marco", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Ursula", "Victor", "Wen", "Xavier",
         "Yasmin", "Zoltan", "Amara", "Björn", "Carmen", "Dmitri", "Elif", "Fatima", "Giulia", "Hamza", "Ingrid",
         "Joaquín", "Katarzyna", "Luca", "Maja", "Nikolai", "Olga", "Pedro", "Rahul", "Sofia", "Tomás", "Valentina",
         "William", "Zainab"]  # fmt: skip
LAST = ["Martin", "Okafor", "Dubois", "Schmidt", "Rossi", "Nguyen", "Kowalski", "García", "Larsen", "Haddad",
        "Tanaka", "Silva", "Murphy", "Novak", "Andersson", "Bianchi", "Costa", "Dimitrov", "Eriksen", "Fischer",
        "Gonzalez", "Horvat", "Ivanova", "Jansen", "Kim", "Lambert", "Moreau", "Nielsen", "O'Brien", "Petrov",
        "Quinn", "Romero", "Sato", "Torres", "Weber", "Yilmaz"]  # fmt: skip
TITLES = ["Account Executive", "Specialist", "Team Lead", "Analyst", "Coordinator", "Senior Specialist",
          "Consultant", "Associate", "Engineer", "Designer", "Advisor"]  # fmt: skip
SITES = ["Paris", "Berlin", "Lisbon", "Remote", "Warsaw", "Dublin", "Lyon", "Amsterdam"]
SKILLS = ["negotiation", "SQL", "onboarding", "Excel", "public speaking", "Python", "customer care", "design",
          "budgeting", "German", "Spanish", "coaching", "writing", "data analysis", "project management"]  # fmt: skip
HOBBIES = ["cycling", "chess", "baking", "choir", "hiking"]


def demo_names(seed: int) -> Iterator[str]:
    """Distinct names without end, the same ones for a seed (the fixed three never come up).

    Every first and last name pair once (1,728), in a shuffled order; then the same pairs
    again with a middle initial: A., B. ... Z., AA. ...
    """
    pairs = list(itertools.product(FIRST, LAST))
    random.Random(f"{seed}-names").shuffle(pairs)
    reserved = {name for name, _ in FIXED}
    for tier in itertools.count():
        middle = _initials(tier)
        for first, last in pairs:
            name = f"{first} {middle} {last}" if middle else f"{first} {last}"
            if name not in reserved:
                yield name


def _initials(tier: int) -> str:
    """Nothing for tier 0, then "A." ... "Z.", "AA." ...: bijective base 26, so no two tiers match."""
    letters = ""
    while tier > 0:
        tier, digit = divmod(tier - 1, 26)
        letters = chr(ord("A") + digit) + letters
    return f"{letters}." if letters else ""


@demo_step("people.profiles", after=["accounts.users"])
def seed_profiles(ctx: DemoContext) -> None:
    """A profile for each demo account that has none; person i always gets the same one.

    Names are distinct among demo people and from anyone already in the database: a name
    someone else holds is replaced by the next unused one of the sequence.
    """
    have = set(Profile.objects.filter(user__in=ctx.users).values_list("user_id", flat=True))
    missing = [(i, user) for i, user in enumerate(ctx.users) if user.pk not in have]
    if not missing:
        return
    names = demo_names(ctx.seed)
    planned = [FIXED[i][0] if i < len(FIXED) else next(names) for i in range(len(ctx.users))]
    taken = set(Profile.objects.values_list("display_name", flat=True))
    new = []
    for i, user in missing:
        name = planned[i]
        while name in taken:
            name = next(names)  # past every planned name, so it clashes with none of them
        taken.add(name)
        rng = ctx.random(f"profile-{i}")
        title = FIXED[i][1] if i < len(FIXED) else rng.choice(TITLES)
        skills = ", ".join(rng.sample(SKILLS, 3))
        site = rng.choice(SITES)
        bio = (
            f"Hi, I'm {name.split()[0]}. I work as *{title}* from our {site} office.\n\n"
            f"Ask me about **{skills.split(', ')[0]}**. Outside work: {rng.choice(HOBBIES)}."
        )
        phone = "+33 1 " + " ".join(str(rng.randint(10, 99)) for _ in range(4))
        new.append(Profile(
            user=user, display_name=name, job_title=title, bio=bio, bio_html=render_markdown(bio),
            skills=skills, location=site, phone=phone,
        ))  # fmt: skip
    Profile.objects.bulk_create(new, batch_size=500)


@demo_step("people.org_chart", after=["people.profiles", "departments.memberships"])
def seed_org_chart(ctx: DemoContext) -> None:
    """Department managers report to the admin; members report to their department's manager."""
    users, departments = ctx.users, ctx.departments
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


def _photo_arguments(parser: CommandParser) -> None:
    parser.add_argument("--no-photos", action="store_true", help="Skip generated photos (faster).")


@demo_step("people.photos", after=["people.profiles"], arguments=_photo_arguments, atomic=False)
def seed_photos(ctx: DemoContext) -> None:
    """A generated portrait for each demo person without a photo, through the same checks as an upload."""
    if ctx.options["no_photos"]:
        return
    limits = ImageLimits(max_bytes=5_000_000, max_pixels=1_000_000)
    for profile in Profile.objects.filter(user__in=ctx.users, photo="").order_by("pk"):
        upload = SimpleUploadedFile("avatar.png", avatar_png(profile.display_name), content_type="image/png")
        image = open_validated_image(upload, limits)
        profile.photo.save("photo.jpg", ContentFile(square_jpeg(image, 256)), save=False)
        profile.photo_thumbnail.save("thumb.jpg", ContentFile(square_jpeg(image, 128, quality=80)), save=False)
        profile.save(update_fields=["photo", "photo_thumbnail"])
