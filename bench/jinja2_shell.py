#!/usr/bin/env python3
"""Would Jinja2 make the page shell cheaper? (issue 17.2: "measure before choosing it").

The layout every page renders (templates/base.html: header, navigation, badges, messages,
footer) against a line-for-line Jinja2 port of it (bench/jinja2_templates/base.jinja), both through
Django's own template backends with the same context processors, the same request (a seeded
reader's, from a real request to the home feed) and the same `url` answers kept per process
(`apps.core.links`). The badge counts are given as numbers in both, so no query is timed.
Interleaved, median CPU of --repeat renders each; the two outputs are compared first
(whitespace aside) so the port is known to render the same page.

Jinja2 is not a dependency of the project: it is installed for this script only, pinned, into
bench/.deps (git-ignored), the first time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intranet_speed REDIS_URL=... python bench/jinja2_shell.py
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DEPS = BENCH / ".deps"
JINJA2 = "jinja2==3.1.6"
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
try:
    import jinja2
except ImportError:
    if not (DEPS / "jinja2").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(DEPS), JINJA2], check=True)
    sys.path.insert(0, str(DEPS))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
os.environ["ALLOWED_HOSTS"] = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost") + ",testserver"

import django  # noqa: E402

django.setup()

import jinja2  # noqa: E402
import pages_targets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template.backends.django import DjangoTemplates  # noqa: E402
from django.template.backends.jinja2 import Jinja2  # noqa: E402
from django.templatetags.static import static  # noqa: E402
from django.test import Client  # noqa: E402

from apps.core.links import kept_reverse  # noqa: E402

BADGES = {"unread_chat": 2, "unread_notifications": 3}


def environment(**options) -> jinja2.Environment:
    env = jinja2.Environment(**options)
    env.globals.update(static=static, url=lambda name, *args, **kwargs: kept_reverse(name, args=args, kwargs=kwargs))
    return env


def _processors() -> list[str]:
    (engine,) = [t for t in settings.TEMPLATES if t["BACKEND"].endswith("DjangoTemplates")]
    return [p for p in engine["OPTIONS"]["context_processors"] if not p.endswith("header_badges")]


def engines() -> tuple:
    (options,) = [t["OPTIONS"] for t in settings.TEMPLATES if t["BACKEND"].endswith("DjangoTemplates")]
    dtl = DjangoTemplates(
        {
            "NAME": "dtl",
            "DIRS": [str(BENCH.parent / "templates")],
            "APP_DIRS": False,
            "OPTIONS": {**options, "context_processors": _processors()},
        }
    )
    j2 = Jinja2(
        {
            "NAME": "jinja2",
            "DIRS": [str(BENCH / "jinja2_templates")],
            "APP_DIRS": False,
            "OPTIONS": {"environment": "jinja2_shell.environment", "context_processors": _processors()},
        }
    )
    return dtl.get_template("base.html"), j2.get_template("base.jinja")


def a_real_request():
    """The request of a real GET / by the seeded reader (session, user, messages, CSRF)."""
    from django.template.backends import django as django_backend

    seen = []
    original = django_backend.Template.render

    def keep(self, context=None, request=None):
        if request is not None and not seen:
            seen.append(request)
        return original(self, context, request)

    django_backend.Template.render = keep
    try:
        client = Client()
        client.force_login(pages_targets.reader())
        assert client.get("/").status_code == 200
    finally:
        django_backend.Template.render = original
    return seen[0]


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    request = a_real_request()
    dtl, j2 = engines()
    a, b = squeeze(dtl.render(BADGES, request)), squeeze(j2.render(BADGES, request))
    if a != b:
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                print("outputs differ at", i, "\nDTL:   ", a[i - 80 : i + 80], "\nJinja2:", b[i - 80 : i + 80])
                break
        return 1
    times: dict[str, list[float]] = {"Django templates": [], "Jinja2": []}
    for _ in range(args.repeat):
        for name, template in (("Django templates", dtl), ("Jinja2", j2)):
            started = time.process_time()
            template.render(BADGES, request)
            times[name].append(time.process_time() - started)
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, ms in medians.items():
        print(f"{name}: base.html median {ms:.3f} ms CPU over {args.repeat} renders ({len(a):,} characters)")
    print(f"Jinja2 / Django: {medians['Jinja2'] / medians['Django templates']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
