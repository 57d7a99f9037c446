#!/usr/bin/env python3
"""Where the time of one home feed page goes, in-process (no server): queries vs. templates.

For a seeded person it times, as medians over --repeat runs:
- the whole view through Django's test client (middleware included);
- `selectors.feed_page` (the queries and prefetches: pinned announcements + one page);
- rendering the page's post cards (`feed/_post.html`), and the same cards with the
  reaction buttons of a post in one form instead of one form per emoji (an experiment
  on a copy of the template in memory; the app's template is not changed);
- the number of {% url %} and {% csrf_token %} tags one card renders;
- the API list: whole view, its queries (with and without the comments prefetch, which the
  API does not show), and its serializer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intranet_bench python bench/feed_profile.py
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
os.environ["ALLOWED_HOSTS"] = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost") + ",testserver"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.feed import selectors  # noqa: E402
from apps.feed.api import PostSerializer  # noqa: E402
from apps.feed.models import REACTION_EMOJI, Post  # noqa: E402


def one_form_variant(source: str) -> str | None:
    """feed/_post.html with the reaction buttons of a post in one form (buttons carry name="emoji").

    Derived from the current template, so it follows its edits; None if its shape changed.
    """
    block = re.search(r'(<div class="reactions"[^>]*>)(.*?)(</div>)', source, re.S)
    if not block:
        return None
    inner = block.group(2)
    form_open = re.search(r"<form [^>]*>", inner)
    next_input = re.search(r'<input type="hidden" name="next"[^>]*>', inner)
    if not form_open or "{% csrf_token %}" not in inner:
        return None
    loop = inner.replace(form_open.group(0), "").replace("</form>", "").replace("{% csrf_token %}", "")
    loop = re.sub(r'<input type="hidden" name="emoji" value="\{\{ key \}\}">', "", loop)
    if next_input:
        loop = loop.replace(next_input.group(0), "")
    loop = loop.replace('<button type="submit"', '<button type="submit" name="emoji" value="{{ key }}"', 1)
    head = form_open.group(0) + "{% csrf_token %}" + (next_input.group(0) if next_input else "")
    return source.replace(block.group(0), block.group(1) + head + loop + "</form>" + block.group(3))


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    user = (
        User.objects.filter(email__startswith="person")
        .annotate(n=Count("memberships"))
        .filter(n__gte=2)
        .order_by("id")
        .first()
    )
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    request.META["CSRF_COOKIE"] = "x" * 32  # as if CsrfViewMiddleware had run

    engine = engines["django"]
    card = engine.get_template("feed/_post.html")
    source = (Path(settings.BASE_DIR) / "templates/feed/_post.html").read_text()
    variant_source = one_form_variant(source)
    variant = engine.from_string(variant_source) if variant_source else None

    view, select, render, render_variant = [], [], [], []
    client.get("/")  # warm caches (templates, URL resolvers, connections)
    for _ in range(args.repeat):
        t = time.perf_counter()
        response = client.get("/")
        view.append(time.perf_counter() - t)
        assert response.status_code == 200
        t = time.perf_counter()
        pinned, page = selectors.feed_page(user)
        select.append(time.perf_counter() - t)
        posts = pinned + page.items
        for template, times in ((card, render), (variant, render_variant)):
            if template is None:
                continue
            t = time.perf_counter()
            for post in posts:
                template.render({"post": post, "reactions": REACTION_EMOJI}, request)
            times.append(time.perf_counter() - t)
    # The API list: whole view, its queries, its serializer, and without the comments prefetch it does not show.
    api_view, api_query, api_query_lean, api_serialize = [], [], [], []
    client.get("/api/v1/posts/")
    for _ in range(args.repeat):
        t = time.perf_counter()
        api_response = client.get("/api/v1/posts/")
        api_view.append(time.perf_counter() - t)
        base = Post.objects.visible_to(user).order_by("-published_at", "-id")
        t = time.perf_counter()
        items = selectors.decorate(list(selectors._with_details(base, user)[:21]))
        api_query.append(time.perf_counter() - t)
        lean = selectors._with_details(base, user)
        lean._prefetch_related_lookups = tuple(
            lookup for lookup in lean._prefetch_related_lookups if getattr(lookup, "to_attr", "") != "recent_comments"
        )
        t = time.perf_counter()
        selectors.decorate(list(lean[:21]))
        api_query_lean.append(time.perf_counter() - t)
        t = time.perf_counter()
        serialized = PostSerializer(items[:20], many=True).data
        api_serialize.append(time.perf_counter() - t)
        assert len(serialized) == 20

    html = card.render({"post": posts[0], "reactions": REACTION_EMOJI}, request)
    if variant:
        other = variant.render({"post": posts[0], "reactions": REACTION_EMOJI}, request)
        print(f"variant card: {other.count('<form')} forms, {other.count('name="emoji"')} emoji buttons")
    print(f"user {user.email}, {len(pinned)} pinned + {len(page.items)} posts, median of {args.repeat} runs")
    print(f"- whole view (test client, middleware included): {ms(view)} ms, {len(response.content)} bytes")
    print(f"- selectors.feed_page (queries + prefetch): {ms(select)} ms")
    print(f"- rendering the {len(posts)} post cards: {ms(render)} ms")
    if render_variant:
        print(f"- the same cards, reactions in one form per post: {ms(render_variant)} ms")
    print(f"- API list, whole view: {ms(api_view)} ms, {len(api_response.content)} bytes")
    print(
        f"- API list, queries + prefetch: {ms(api_query)} ms; "
        f"without the comments prefetch it does not show: {ms(api_query_lean)} ms"
    )
    print(f"- API list, serializing 20 posts: {ms(api_serialize)} ms")
    per_card = source.count("{% url ") + source.count("{% csrf_token %}")
    print(
        f"- one card: {html.count('csrfmiddlewaretoken')} csrf tokens and {html.count('<form')} forms rendered; "
        f"{per_card} url/csrf tags in the template source, 6 of each inside the reactions loop"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
