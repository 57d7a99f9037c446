"""@mentions: one syntax for posts, comments and chat, one parser, one suggestion ranking.

The syntax is Zulip's: `@**Display Name**`, or `@**Display Name|42**` when two readers of
the place share the name (the composer's autocomplete inserts the `|id` form only then).
People type the name they see; the server stores and notifies the id.

Every function takes `readers`: the users who may read the place (a department's feed, a
chat room), as the caller's access rules say. A mention resolves only among them, so a
mention of anyone else stays the text that was typed (rendered as markdown: bold after
an @), notifies nobody, and reveals nothing (not even a real name behind an id).

Rendering: a markdown inline pattern finds the mentions, so code spans and code blocks
are never parsed. Each mention becomes a token with a random per-render nonce, which nh3
leaves alone as plain text; only after sanitising are the tokens swapped for links, built
here with escaping. Nothing a person types can therefore produce a mention link, and nh3
needs to allow no `class` or `data-*` attribute.
"""

import html
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .markdown import markdown_to_clean_html

if TYPE_CHECKING:
    from apps.accounts.models import User

MAX_NAME_LENGTH = 100
MENTION_PATTERN = rf"@\*\*(?P<name>[^*|\n]{{1,{MAX_NAME_LENGTH}}}?)(?:\|(?P<id>\d{{1,12}}))?\*\*"
MENTION = re.compile(MENTION_PATTERN)
MAX_MENTIONS = 50  # resolved per text; mentions after these stay plain text
SUGGESTION_LIMIT = 10
MAX_QUERY_LENGTH = 50
# Above backticks (190) and escapes (180) it would parse code; above links (160) it sees
# link text and titles first, which the swap below handles.
_PATTERN_PRIORITY = 175
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")  # nh3 escapes < and > inside attribute values
_ANCHOR_OPEN = re.compile(r"<a[\s>]", re.IGNORECASE)
_UNSAFE_IN_NAME = re.compile(r"[*|\r\n]")


@dataclass(frozen=True)
class Mention:
    name: str  # as typed, stripped
    user_id: int | None  # from the `|id` form
    source: str  # the text as typed, shown when the mention does not resolve


@dataclass(frozen=True)
class MentionedText:
    html: SafeString
    users: list["User"]  # distinct, in order of first mention


@dataclass(frozen=True)
class Suggestion:
    user: "User"
    insert: str  # what the composer puts in the text


def mention_text(user: "User", *, ambiguous: bool = False) -> str:
    """The mention of `user` as the composer inserts it; `ambiguous` adds the id.

    A name the syntax cannot hold (with `*` or `|`, or very long) is inserted tidied up and
    with the id, which is what resolves; the link shows the real name.
    """
    name = user.display_name
    tidy = " ".join(_UNSAFE_IN_NAME.sub(" ", name).split())[:MAX_NAME_LENGTH].strip()
    if ambiguous or tidy != name:
        return f"@**{tidy or 'someone'}|{user.pk}**"
    return f"@**{name}**"


def render_with_mentions(body: str, readers: QuerySet["User"]) -> MentionedText:
    """Sanitised HTML of the markdown `body`, with mentions of `readers` as profile links, and who they are."""
    nonce = secrets.token_hex(8)
    found: list[Mention] = []
    cleaned = markdown_to_clean_html(body, extensions=[_MentionExtension(found, nonce)])
    resolved = _resolve(found[:MAX_MENTIONS], readers)
    users: dict[int, User] = {}
    for index in sorted(resolved):
        users.setdefault(resolved[index].pk, resolved[index])
    return MentionedText(html=mark_safe(_swap_tokens(cleaned, nonce, found, resolved)), users=list(users.values()))  # noqa: S308 - nh3 output, and links built with escaping


def suggest(
    readers: QuerySet["User"], query: str, *, exclude_user_id: int | None = None, limit: int = SUGGESTION_LIMIT
) -> list[Suggestion]:
    """Readers whose name has a word starting with `query`: first names first, then other words.

    Only the display name is searched (not the job title or e-mail): people mention a
    person by the name they see. `insert` carries the `|id` when the name is not unique
    among the readers.
    """
    query = " ".join(query.lstrip("@*").split())[:MAX_QUERY_LENGTH]
    people = readers.filter(is_active=True).select_related("profile")
    if exclude_user_id is not None:
        people = people.exclude(pk=exclude_user_id)
    if query:
        people = people.filter(
            Q(profile__display_name__istartswith=query)
            | Q(profile__display_name__icontains=" " + query)
            | Q(profile__display_name__icontains="-" + query)
        )
        first_word = When(profile__display_name__istartswith=query, then=Value(0))
        people = people.annotate(rank=Case(first_word, default=Value(1), output_field=IntegerField()))
        people = people.order_by("rank", "profile__display_name", "pk")
    else:
        people = people.order_by("profile__display_name", "pk")
    found = list(people[:limit])
    shared = _names_shared(readers, [user.display_name for user in found])
    return [Suggestion(user, mention_text(user, ambiguous=_key(user.display_name) in shared)) for user in found]


# --- parsing


class _MentionPattern(InlineProcessor):
    def __init__(self, found: list[Mention], nonce: str, md: Markdown) -> None:
        super().__init__(MENTION_PATTERN, md)
        self.found = found
        self.nonce = nonce

    def handleMatch(self, m: re.Match, data: str):
        name = m.group("name").strip()
        if not name:
            return None, None, None
        user_id = int(m.group("id")) if m.group("id") else None
        self.found.append(Mention(name=name, user_id=user_id, source=m.group(0)))
        return _token(self.nonce, len(self.found) - 1), m.start(0), m.end(0)


class _MentionExtension(Extension):
    def __init__(self, found: list[Mention], nonce: str) -> None:
        super().__init__()
        self.found = found
        self.nonce = nonce

    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(_MentionPattern(self.found, self.nonce, md), "mention", _PATTERN_PRIORITY)


def _token(nonce: str, index: int) -> str:
    return f"mention{nonce}n{index}e"


def _key(name: str) -> str:
    return name.strip().casefold()


def _resolve(mentions: Sequence[Mention], readers: QuerySet["User"]) -> dict[int, "User"]:
    """Mention index -> the reader it names. One query; a name two readers share resolves to nobody."""
    if not mentions:
        return {}
    ids = {m.user_id for m in mentions if m.user_id is not None}
    names = {m.name for m in mentions if m.user_id is None}
    condition = Q(pk__in=ids) if ids else Q(pk__in=[])
    for name in names:
        condition |= Q(profile__display_name__iexact=name)
    candidates = {user.pk: user for user in readers.filter(condition, is_active=True).select_related("profile")}
    by_name: dict[str, list[User]] = {}
    for user in candidates.values():
        by_name.setdefault(_key(user.display_name), []).append(user)
    resolved = {}
    for index, mention in enumerate(mentions):
        if mention.user_id is not None:
            user = candidates.get(mention.user_id)
        else:
            same_name = by_name.get(_key(mention.name), [])
            user = same_name[0] if len(same_name) == 1 else None
        if user is not None:
            resolved[index] = user
    return resolved


def _names_shared(readers: QuerySet["User"], names: Iterable[str]) -> set[str]:
    """Which of these names (as `_key`) belong to more than one reader."""
    names = set(names)
    if not names:
        return set()
    condition = Q()
    for name in names:
        condition |= Q(profile__display_name__iexact=name)
    taken = readers.filter(condition, is_active=True).values_list("profile__display_name", flat=True)
    counts = Counter(_key(name) for name in taken)
    return {name for name, count in counts.items() if count > 1}


# --- rendering


def _link(user: "User") -> str:
    href = reverse("people:detail", args=[user.pk])
    return (
        f'<a class="mention" href="{html.escape(href)}" data-user-id="{user.pk}">@{html.escape(user.display_name)}</a>'
    )


def _swap_tokens(cleaned: str, nonce: str, found: Sequence[Mention], resolved: dict[int, "User"]) -> str:
    """Tokens in text become links (plain `@Name` inside another link); in attributes, escaped text.

    A mention that did not resolve shows what was typed, as plain markdown would.
    """
    token = re.compile(rf"mention{nonce}n(\d+)e")

    def plain(index: int) -> str:
        if index >= len(found):  # a token nobody made: cannot happen without knowing the nonce
            return ""
        user = resolved.get(index)
        return html.escape("@" + user.display_name if user is not None else found[index].source)

    def in_text(match: re.Match) -> str:
        index = int(match.group(1))
        if index >= len(found):
            return ""
        if index not in resolved:  # as markdown without mentions would show it: bold, after an @
            return f"@<strong>{html.escape(found[index].source[3:-2])}</strong>"
        return _link(resolved[index]) if anchors == 0 else plain(index)

    pieces = []
    anchors = 0
    for piece in _TAG_OR_TEXT.split(cleaned):
        if piece.startswith("<"):
            if _ANCHOR_OPEN.match(piece):
                anchors += 1
            elif piece.lower().startswith("</a"):
                anchors = max(0, anchors - 1)
            pieces.append(token.sub(lambda match: plain(int(match.group(1))), piece))
        else:
            pieces.append(token.sub(in_text, piece))
    return "".join(pieces)
