"""Rewrite legacy `@localpart` mentions in post and comment bodies as `@**Display Name|id**`.

The feed used to mention people by the local part of their e-mail address; posts, comments
and chat now share Zulip's `@**Name**` syntax (apps/core/mentions.py). `body_html` is stored
and keeps rendering as it did; this rewrites `body`, so that editing an old post keeps its
mentions. Only mentions that resolved under the old rule are rewritten: an active person
with that local part (case-insensitively) who can read the department, and only one such
person. Anything else stays as typed, so no one's name appears where it did not before.
Text in code spans and fenced code blocks is left alone. Running it twice changes nothing.
"""

import re

from django.db import migrations

# The old rule, frozen here (apps/feed/services.py no longer has it).
LEGACY_MENTION = re.compile(r"(?<![\w.@/])@([a-z0-9][a-z0-9._+-]{0,63})", re.IGNORECASE)
CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)
UNSAFE_IN_NAME = re.compile(r"[*|\n]")
BATCH_SIZE = 500


def _people(apps):
    """Local part -> [(user id, display name)] of active users, and each department's member ids."""
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("people", "Profile")
    Membership = apps.get_model("departments", "Membership")
    names = dict(Profile.objects.values_list("user_id", "display_name"))
    by_local_part: dict[str, list[tuple[int, str]]] = {}
    for user_id, email in User.objects.filter(is_active=True).values_list("pk", "email"):
        local_part = email.split("@")[0].lower()
        by_local_part.setdefault(local_part, []).append((user_id, names.get(user_id) or local_part))
    members: dict[int, set[int]] = {}
    for department_id, user_id in Membership.objects.values_list("department_id", "user_id"):
        members.setdefault(department_id, set()).add(user_id)
    return by_local_part, members


def _rewrite(body: str, readers, by_local_part) -> str:
    def replace(match: re.Match) -> str:
        candidates = [(pk, name) for pk, name in by_local_part.get(match.group(1).lower(), []) if readers(pk)]
        if len(candidates) != 1:
            return match.group(0)
        pk, name = candidates[0]
        name = " ".join(name.split())
        if not name or len(name) > 100 or UNSAFE_IN_NAME.search(name):
            return match.group(0)
        return f"@**{name}|{pk}**"

    pieces, position = [], 0
    for code in CODE.finditer(body):
        pieces.append(LEGACY_MENTION.sub(replace, body[position : code.start()]))
        pieces.append(code.group(0))
        position = code.end()
    pieces.append(LEGACY_MENTION.sub(replace, body[position:]))
    return "".join(pieces)


def rewrite_legacy_mentions(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    Post = apps.get_model("feed", "Post")
    Comment = apps.get_model("feed", "Comment")
    by_local_part, members = _people(apps)
    company_wide = set(Department.objects.filter(is_company_wide=True).values_list("pk", flat=True))

    def readers_of(department_id: int):
        if department_id in company_wide:
            return lambda user_id: True
        ids = members.get(department_id, set())
        return lambda user_id: user_id in ids

    for model, department_field in ((Post, "department_id"), (Comment, "post__department_id")):
        rows = model.objects.filter(body__contains="@").values_list("pk", "body", department_field)
        changed = []
        for pk, body, department_id in rows.iterator(chunk_size=BATCH_SIZE):
            rewritten = _rewrite(body, readers_of(department_id), by_local_part)
            if rewritten != body:
                changed.append(model(pk=pk, body=rewritten))
        # Written after reading: SQLite cannot update a table while a cursor reads it.
        model.objects.bulk_update(changed, ["body"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("departments", "0003_confidential_by_default"),
        ("people", "0001_initial"),
        ("feed", "0002_announcement_feed_index"),
    ]

    operations = [migrations.RunPython(rewrite_legacy_mentions, migrations.RunPython.noop, elidable=True)]
