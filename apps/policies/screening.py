"""The composer's help in keeping the policy: "never share" words and patterns, checked in the services.

Each policy lists words and regular expressions (customer account numbers, "salary",
"confidential", ...). A post, comment, chat message or question in a space that is not
confidential is screened against the policies that govern the space (`gate.applying_in`);
a match refuses it with `Conflict("policy_warning")`, listing what matched in
`errors["matches"]`, unless the author confirms (`confirm=True`: "send anyway"). The
check is in the services, so the API and the socket get the same warning as the page.

Patterns run on the `regex` module with a timeout, and are tried on save against texts
that make backtracking patterns explode, so a bad pattern is refused when it is written,
and one that still runs long at send time is skipped rather than stalling the send.
"""

import logging
from collections.abc import Iterable
from functools import lru_cache

import regex

from apps.core.errors import Conflict, Invalid
from apps.departments.models import Department

from .gate import Requirement, applying_in

logger = logging.getLogger(__name__)

MAX_RULES = 50
MAX_RULE_LENGTH = 200
MAX_MATCHES_SHOWN = 10
MATCH_TIMEOUT_SECONDS = 0.05
PROBE_TIMEOUT_SECONDS = 0.2
# Texts on which nested or overlapping quantifiers ((a+)+, (a|a)*, (\d+)*x, ...) backtrack
# exponentially: a pattern that cannot finish on them within the probe timeout is refused.
_PROBES = tuple(
    run * 40 + tail for run in ("a", "1", " ", "ab", "-", "a1", ".", "x y ") for tail in ("!", "\n", "\x00")
)


def clean_words(words: object) -> list[str]:
    """One word or phrase per item (or per line of a text), trimmed, without duplicates."""
    items = _items(words, "never_share_words")
    cleaned: list[str] = []
    for item in items:
        word = " ".join(item.split())
        if len(word) > MAX_RULE_LENGTH:
            raise Invalid.field(
                "never_share_words", f"“{word[:40]}…” is too long: at most {MAX_RULE_LENGTH} characters."
            )
        if word and word.casefold() not in {w.casefold() for w in cleaned}:
            cleaned.append(word)
    if len(cleaned) > MAX_RULES:
        raise Invalid.field("never_share_words", f"At most {MAX_RULES} words; this list has {len(cleaned)}.")
    return cleaned


def clean_patterns(patterns: object) -> list[str]:
    """Regular expressions, each compiled and tried on hostile texts: invalid or explosive ones are refused."""
    cleaned: list[str] = []
    for item in _items(patterns, "never_share_patterns"):
        pattern = item.strip()
        if not pattern or pattern in cleaned:
            continue
        if len(pattern) > MAX_RULE_LENGTH:
            raise Invalid.field("never_share_patterns", f"A pattern can have at most {MAX_RULE_LENGTH} characters.")
        try:
            compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
        except regex.error as error:
            raise Invalid.field(
                "never_share_patterns", f"“{pattern}” is not a valid regular expression: {error}."
            ) from None
        if compiled.search("", timeout=PROBE_TIMEOUT_SECONDS) is not None:
            raise Invalid.field(
                "never_share_patterns", f"“{pattern}” matches an empty text, so it would match anything."
            )
        try:
            for probe in _PROBES:
                compiled.search(probe, timeout=PROBE_TIMEOUT_SECONDS)
        except TimeoutError:
            raise Invalid.field(
                "never_share_patterns",
                f"“{pattern}” takes too long on some texts (nested repetition such as (a+)+): simplify it.",
                code="pattern_too_slow",
            ) from None
        cleaned.append(pattern)
    if len(cleaned) > MAX_RULES:
        raise Invalid.field("never_share_patterns", f"At most {MAX_RULES} patterns; this list has {len(cleaned)}.")
    return cleaned


def _items(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    raise Invalid.field(field, "Give a list of texts (or one per line).")


@lru_cache(maxsize=1024)
def _compiled(rule: str, is_word: bool) -> regex.Pattern:
    if is_word:  # a whole word or phrase, not inside another word
        return regex.compile(rf"(?<!\w){regex.escape(rule)}(?!\w)", regex.IGNORECASE)
    return regex.compile(rule, regex.IGNORECASE | regex.V0)


def find_never_share(text: str, requirements: Iterable[Requirement]) -> list[str]:
    """What in `text` matches the rules of these policies, as found in the text (distinct, at most 10)."""
    found: list[str] = []
    for requirement in requirements:
        rules = [(w, True) for w in requirement.words] + [(p, False) for p in requirement.patterns]
        for rule, is_word in rules:
            try:
                matches = _compiled(rule, is_word).finditer(text, timeout=MATCH_TIMEOUT_SECONDS)
                for match in matches:
                    shown = match.group(0).strip()
                    if shown and shown.casefold() not in {f.casefold() for f in found}:
                        found.append(shown[:80])
                    if len(found) >= MAX_MATCHES_SHOWN:
                        return found
            except TimeoutError:
                logger.warning("never-share pattern of policy %s timed out; skipped", requirement.policy_id)
            except regex.error:
                logger.warning("never-share pattern of policy %s does not compile; skipped", requirement.policy_id)
    return found


def screen(text: str, *, department: Department | None, confirm: bool) -> None:
    """Refuse `text` with `policy_warning` if it matches a rule of the policies governing `department`.

    Callers skip it for confidential spaces and posts. `department` None: a private conversation.
    """
    if confirm or not text:
        return
    applying = applying_in(department)
    if not any(r.words or r.patterns for r in applying):
        return
    matches = find_never_share(text, applying)
    if not matches:
        return
    titles = " and the ".join(r.title for r in applying if r.words or r.patterns)
    shown = ", ".join(f"“{m}”" for m in matches)
    raise Conflict(
        "policy_warning",
        f"This may break the {titles}: it contains {shown}, which it says never to share. "
        "Change it, mark it confidential, or confirm to send it anyway.",
        errors={"matches": matches},
    )
