"""Chat pages. The live parts are static/js/chat.js over /ws/; every action also works as a plain form."""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.core.errors import Forbidden, Invalid, NotFound, ServiceError
from apps.core.ids import parse_id
from apps.feed.files import check_attachment
from apps.people.models import Profile

from . import selectors, services
from .access import access_room, can_invite, can_moderate_room, can_rename, is_owner
from .message_html import message_items
from .models import Room, RoomMember
from .services.rooms import GROUP_NAME_MAX, TOPIC_MAX

PEOPLE_SEARCH_LIMIT = 30


def _sidebar(user, current: Room | None) -> dict:
    rooms = selectors.sorted_rooms(selectors.SIDEBAR_ROOMS.objects(user))
    sections = [
        (kind, title, [r for r in rooms if r.kind == kind])
        for kind, title in [
            (Room.Kind.DEPARTMENT, "Departments"),
            (Room.Kind.GROUP, "Group rooms"),
            (Room.Kind.DIRECT, "Direct messages"),
        ]
    ]
    for room in rooms:
        room.label = selectors.room_label(room)
    if current is not None:
        current = next((r for r in rooms if r.pk == current.pk), current)
    # The badge of the page's Chat link from the same rows: the context processor's query is not made.
    return {"sections": sections, "rooms": rooms, "current": current, "unread_chat": selectors.unread_total(rooms)}


@require_safe
def chat_index(request: HttpRequest) -> HttpResponse:
    """Open the room with the latest activity (the company-wide room on a quiet day)."""
    context = _sidebar(request.user, None)
    rooms = context["rooms"]
    if rooms and request.GET.get("rooms") != "1":  # ?rooms=1: the list itself (the phone's first screen)
        latest = max(rooms, key=lambda r: (r.last_message_id, r.kind == Room.Kind.DEPARTMENT, -r.pk))
        return redirect("chat:room", room_id=latest.pk)
    return render(request, "chat/room.html", context)


@require_safe
def chat_room(request: HttpRequest, room_id: int) -> HttpResponse:
    room = access_room(request.user, room_id)
    can_moderate = can_moderate_room(request.user, room)  # from the role access_room read
    context = _sidebar(request.user, room)
    room = context["current"]
    latest = selectors.latest_messages(room)
    context.update(
        {
            "room": room,
            "label": selectors.room_label(room, request.user),
            "message_items": message_items(list(reversed(latest[: selectors.HISTORY_PAGE_SIZE])), request.user),
            "initial_messages": [selectors.message_payload(m) for m in reversed(latest[: selectors.HISTORY_PAGE_SIZE])],
            "has_older": len(latest) > selectors.HISTORY_PAGE_SIZE,
            "can_moderate": can_moderate,
            # In a direct conversation, what the other person said about being around (status, away).
            "other_profile": Profile.objects.filter(user_id=getattr(room, "other_user_id", None)).first()
            if room.kind == Room.Kind.DIRECT
            else None,
            "client_id": uuid.uuid4(),
            "max_length": settings.CHAT_MAX_BODY_LENGTH,
        }
    )
    return render(request, "chat/room.html", context)


@require_POST
def chat_send(request: HttpRequest, room_id: int) -> HttpResponse:
    """The composer without JavaScript: send, then back to the room. Files come this way too
    (multipart): chat/composer.js posts here with `Accept: application/json` and gets the
    message back as JSON, or `{"code", "detail"}` with the error's status."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        files = [check_attachment(upload) for upload in request.FILES.getlist("files")]
        message, created = services.message_send(
            acting_user=request.user,
            room_id=room_id,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id") or None,
            confirm=request.POST.get("confirm") in ("on", "true"),
            parent_id=parse_id(request.POST["parent"]) or -1 if request.POST.get("parent") else None,
            files=files,
        )
    except ServiceError as error:
        if wants_json:
            return JsonResponse({"code": error.code, "detail": error.detail}, status=error.status)
        if isinstance(error, NotFound):
            raise  # the 404 page: the room is not there for this person
        messages.error(request, error.detail)
    else:
        if wants_json:
            return JsonResponse(selectors.message_payload(message), status=201 if created else 200)
    return redirect("chat:room", room_id=room_id)


class GroupRoomForm(forms.Form):
    name = forms.CharField(max_length=GROUP_NAME_MAX)
    topic = forms.CharField(max_length=TOPIC_MAX, required=False)
    members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E-mail addresses of the colleagues to invite, separated by commas or new lines.",
    )

    def clean_members(self) -> list[int]:
        emails = {e.strip().lower() for e in self.cleaned_data["members"].replace("\n", ",").split(",") if e.strip()}
        found = dict(User.objects.filter(email__in=emails, is_active=True).values_list("email", "pk"))
        if missing := sorted(emails - set(found)):
            raise forms.ValidationError(f"No active colleague has the address {', '.join(missing)}.")
        return list(found.values())


@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    form = GroupRoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.group_room_create(
                acting_user=request.user,
                name=form.cleaned_data["name"],
                topic=form.cleaned_data["topic"],
                member_ids=form.cleaned_data["members"],
            )
        except Invalid as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, f"Room {room.name} created.")
            return redirect("chat:room", room_id=room.pk)
    return render(request, "chat/room_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def direct(request: HttpRequest) -> HttpResponse:
    """GET: find a colleague. POST `user`: open (or start) the direct conversation with them."""
    if request.method == "POST":
        try:
            room, _ = services.direct_room(acting_user=request.user, other_id=parse_id(request.POST.get("user")))
        except Invalid as error:
            messages.error(request, error.detail)
            return redirect("chat:direct")
        return redirect("chat:room", room_id=room.pk)
    query = request.GET.get("q", "").strip()[:100]
    people = []
    if query:
        people = list(
            Profile.objects.visible_to(request.user)
            .search(query)
            .exclude(user=request.user)
            .select_related("user")
            .order_by("display_name", "pk")[:PEOPLE_SEARCH_LIMIT]
        )
    return render(request, "chat/direct.html", {"query": query, "people": people})


class InviteForm(forms.Form):
    email = forms.EmailField(label="Colleague's e-mail address")


class RenameForm(forms.Form):
    name = forms.CharField(max_length=GROUP_NAME_MAX)
    topic = forms.CharField(max_length=TOPIC_MAX, required=False)


@require_http_methods(["GET", "POST"])
def room_members(request: HttpRequest, room_id: int) -> HttpResponse:
    """Who reads the room; in a group room: invite, remove (owner), leave, rename (owner)."""
    room = access_room(request.user, room_id)
    invite_form = InviteForm(request.POST if request.POST.get("action") == "invite" else None)
    rename_form = RenameForm(
        request.POST if request.POST.get("action") == "rename" else None,
        initial={"name": room.name, "topic": room.topic},
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite" and invite_form.is_valid():
                user = User.objects.filter(email=invite_form.cleaned_data["email"].lower(), is_active=True).first()
                if user is None:
                    invite_form.add_error("email", "No active colleague has this address.")
                else:
                    services.room_member_add(acting_user=request.user, room_id=room.pk, user_id=user.pk)
                    messages.success(request, f"{user.display_name} added.")
                    return redirect("chat:members", room_id=room.pk)
            elif action == "rename" and rename_form.is_valid():
                services.group_room_update(acting_user=request.user, room_id=room.pk, **rename_form.cleaned_data)
                messages.success(request, "Room updated.")
                return redirect("chat:members", room_id=room.pk)
            elif action == "remove":
                user_id = parse_id(request.POST.get("user"))
                services.room_member_remove(acting_user=request.user, room_id=room.pk, user_id=user_id)
                if user_id == request.user.pk:
                    messages.success(request, f"You left {room.name}.")
                    return redirect("chat:index")
                messages.success(request, "Removed from the room.")
                return redirect("chat:members", room_id=room.pk)
        except (Invalid, Forbidden) as error:
            messages.error(request, error.detail)
            return redirect("chat:members", room_id=room.pk)
    members = list(selectors.room_member_profiles(room).order_by("display_name", "pk")[:500])
    return render(
        request,
        "chat/members.html",
        {
            "room": room,
            "label": selectors.room_label(room, request.user),
            "members": members,
            "can_invite": can_invite(request.user, room),
            "can_rename": can_rename(request.user, room),
            "is_owner": room.kind == Room.Kind.GROUP and is_owner(request.user, room),
            "is_group": room.kind == Room.Kind.GROUP,
            "invite_form": invite_form,
            "rename_form": rename_form,
            "owner_role": RoomMember.Role.OWNER,
            "room_url": reverse("chat:room", args=[room.pk]),
        },
        status=400 if invite_form.errors or rename_form.errors else 200,
    )
