"""A person's own data: an export they download, and an erasure an admin carries out.

What an export holds (`export.py`): what the person wrote, chose or uploaded themselves — their
profile, posts, comments, chat messages, ideas and idea comments, idea votes, poll ballots,
questions, answers, question comments, reactions and their uploaded files — also from
departments and rooms they no longer belong to (what they authored is theirs), and never anyone
else's words: a comment names the post it is on by id, a message its room by id, not their content.

The ZIP is built by the worker (`build_export`), stored under MEDIA_ROOT/exports/ with a random
name, and handed out only through a link signed for its owner that expires after
DATA_EXPORT_LINK_SECONDS; the media view serves nothing from that folder.

Erasure (ERASURE_CONTENT): `keep` leaves what the person wrote in place under the name "Former
colleague"; `remove` also blanks and deletes their posts, comments and messages, deletes their
files, videos and the polls they asked, takes back their votes, ballots and reactions, and removes
their ideas, questions, answers and comments (`removal.py`: blanked where deleting would take
others' words with it; in constant queries; open pages told live). Either way the account is
deactivated (sessions, tokens, sockets end) and stripped of everything that identifies the
person, and cached post cards forget their name; the row stays so that ids in the audit log
still point somewhere. One transaction: files leave the storage only once it commits.
"""

import secrets
import tempfile

from django.conf import settings
from django.core import signing
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import record
from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.feed.cards import forget_person

from .export import collect, write_zip
from .models import DataExport
from .removal import (
    delete_files_on_commit,
    remove_chat,
    remove_feed,
    remove_questions,
    remove_videos,
    remove_voting,
)

FORMER_COLLEAGUE = "Former colleague"
EXPORT_FOLDER = "exports"
LINK_SALT = "privacy.export-link"


# --- Export ---------------------------------------------------------------------------------


@transaction.atomic
def export_request(*, acting_user: User) -> DataExport:
    """Ask the worker for a fresh ZIP of one's own data; one at a time."""
    if DataExport.objects.filter(user=acting_user, status=DataExport.Status.PENDING).exists():
        raise Conflict("export_pending", "Your export is being prepared already.")
    export = DataExport.objects.create(user=acting_user)
    record("privacy.export_requested", actor=acting_user, target=acting_user, detail={"export_id": export.pk})
    from .tasks import build_data_export

    transaction.on_commit(lambda: build_data_export.enqueue(export.pk))
    return export


def build_export(export_id: int) -> DataExport | None:
    """The worker's part: gather, zip, store. An export whose owner was erased meanwhile is dropped."""
    export = DataExport.objects.select_related("user__profile").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export
    try:
        with tempfile.TemporaryFile() as spool:  # uploads make it large: on disk, not in memory
            write_zip(spool, collect(export.user), export.user)
            size = spool.tell()
            spool.seek(0)
            name = default_storage.save(f"{EXPORT_FOLDER}/{secrets.token_hex(16)}.zip", File(spool))
    except Exception:
        with transaction.atomic():
            DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED, finished_at=timezone.now())
            record("privacy.export_failed", target=export.user, detail={"export_id": export.pk})
        raise
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.READY, file_name=name, size=size, finished_at=timezone.now()
        )
        record(
            "privacy.export_ready", target=export.user, before={"status": DataExport.Status.PENDING},
            after={"status": DataExport.Status.READY}, detail={"export_id": export.pk, "size": size},
        )  # fmt: skip
    export.refresh_from_db()
    return export


def export_link_token(export: DataExport) -> str:
    """The signed, expiring part of the download link: it names the export and its owner."""
    return signing.dumps({"export": export.pk, "user": export.user_id}, salt=LINK_SALT, compress=False)


def export_for_download(*, acting_user: User, token: str) -> DataExport:
    """The export a link opens, for its owner only, until the link expires (else the same 404)."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=settings.DATA_EXPORT_LINK_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        raise NotFound("not_found", "This download link is not valid or has expired.") from None
    if not isinstance(data, dict) or data.get("user") != acting_user.pk:
        raise NotFound("not_found", "This download link is not valid or has expired.")
    export = DataExport.objects.filter(pk=data.get("export"), user=acting_user, status=DataExport.Status.READY).first()
    if export is None or not export.file_name:
        raise NotFound("not_found", "This download link is not valid or has expired.")
    record("privacy.export_downloaded", actor=acting_user, target=acting_user, detail={"export_id": export.pk})
    return export


def own_export(*, acting_user: User, export_id: int) -> DataExport:
    export = DataExport.objects.filter(pk=export_id, user=acting_user).first()
    if export is None:
        raise NotFound("not_found", "No such export.")
    return export


# --- Erasure --------------------------------------------------------------------------------


@transaction.atomic
def person_erase(*, acting_user: User, user: User) -> dict[str, int]:
    """Erase a person as the company's ERASURE_CONTENT says; returns what was removed, by kind."""
    from apps.accounts.models import Passkey
    from apps.accounts.services import user_deactivate
    from apps.people.services import profile_remove_photo

    if not (acting_user.is_active and acting_user.is_staff):
        raise Forbidden("forbidden", "Only admins erase people.")
    if user.pk == acting_user.pk:
        raise Invalid("self", "You cannot erase your own account.")
    if user.email.endswith("@erased.invalid"):
        raise Conflict("already_erased", "This person has been erased already.")
    mode = settings.ERASURE_CONTENT
    before = _account_state(user)
    forget_person(user.pk)  # cached cards and first pages show their name, and what remove mode takes back
    removed = _remove_content(acting_user, user) if mode == "remove" else {}
    user_deactivate(acting_user=acting_user, user=user)
    profile = user.profile
    if profile.photo:
        profile_remove_photo(acting_user=None, profile=profile)
    for field in ("job_title", "bio", "bio_html", "skills", "location", "phone", "status", "time_zone"):
        setattr(profile, field, "")
    profile.display_name, profile.manager_id, profile.away_until = FORMER_COLLEAGUE, None, None
    profile.save()
    user.email = f"erased-{user.pk}@erased.invalid"
    user.set_unusable_password()
    user.is_staff = user.is_superuser = False
    user.save(update_fields=["email", "password", "is_staff", "is_superuser"])
    Passkey.objects.filter(user=user).delete()
    _drop_second_factors_and_identities(user)
    for export in DataExport.objects.filter(user=user):
        if export.file_name:
            default_storage.delete(export.file_name)
    DataExport.objects.filter(user=user).delete()
    record(
        "user.erased", actor=acting_user, target=user, before=before, after=_account_state(user),
        detail={"mode": mode, "removed": removed},
    )  # fmt: skip
    return removed


def _account_state(user: User) -> dict[str, object]:
    """What erasure changes on the account, for the audit entry: flags and counts, never who it was."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.accounts.models import Passkey
    from apps.scim.models import ScimIdentity

    return {
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "usable_password": user.has_usable_password(),
        "photo": bool(user.profile.photo),
        "second_factors": TOTPDevice.objects.filter(user=user).count()
        + StaticDevice.objects.filter(user=user).count()
        + Passkey.objects.filter(user=user).count(),
        "scim_identity": ScimIdentity.objects.filter(user=user).exists(),
        "exports": DataExport.objects.filter(user=user).count(),
    }


def _drop_second_factors_and_identities(user: User) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.scim.models import ScimIdentity

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ScimIdentity.objects.filter(user=user).delete()
    user.scim_groups.clear()


def _remove_content(acting_user: User, user: User) -> dict[str, int]:
    """Remove mode (`removal.py`): blank and mark deleted what the person wrote, delete what they
    uploaded, take back their votes and reactions, with the counters they fed; open pages follow."""
    feed, feed_files = remove_feed(acting_user, user)
    chat, chat_files = remove_chat(acting_user, user)
    questions, question_files = remove_questions(user)
    removed = {**feed, **chat, **remove_voting(user), **questions, **remove_videos(user)}
    delete_files_on_commit(feed_files | chat_files | question_files)
    return removed


def link_hours() -> int:
    return max(1, settings.DATA_EXPORT_LINK_SECONDS // 3600)


def erasure_mode() -> str:
    return settings.ERASURE_CONTENT


def describe(removed: dict[str, int]) -> str:
    """For the admin's message: "content kept" or what was removed."""
    if not removed:
        return "what they wrote is kept, as “Former colleague”"
    return "removed: " + ", ".join(f"{count} {kind}" for kind, count in removed.items() if count)
