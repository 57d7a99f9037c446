"""What a person typed, understood once for both back ends.

The syntax is the web search one (PostgreSQL's `websearch_to_tsquery`): words, "quoted
phrases", -excluded words, and `or`; plus two filters typed in the box, `has:file` and
`kind:<kind>`. Anything else (SQL, tsquery or FTS5 syntax characters, unmatched quotes)
is just text: it is split into words and never reaches a database as syntax.
"""

import re
from dataclasses import dataclass, field

from apps.core.errors import Invalid

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class ParsedQuery:
    text: str  # the words, phrases, minus signs and "or"s, for websearch_to_tsquery
    words: list[str] = field(default_factory=list)  # every positive word, phrases included, lower case
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    has_file: bool = False
    kind: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.words

    def fts5(self, *, prefix: bool = True) -> str:
        """The same query in FTS5 syntax, every term quoted (so nothing typed is an FTS5 operator)."""
        positive = [f'"{w}"*' if prefix else f'"{w}"' for w in self._single_words()]
        positive += ['"' + " ".join(p) + '"' for p in self.phrases]
        expression = " AND ".join(positive)
        for word in self.excluded:
            expression += f' NOT "{word}"'
        return expression

    def _single_words(self) -> list[str]:
        in_phrases = {w for p in self.phrases for w in p}
        singles = []
        for w in self.words:
            if w not in in_phrases and w not in singles:
                singles.append(w)
        return singles


def parse(raw: object) -> ParsedQuery:
    """Parse the box's text; `Invalid("query_too_long")` past MAX_QUERY_LENGTH characters."""
    text = raw if isinstance(raw, str) else ""
    text = text.replace("\x00", " ").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid.field(
            "q", f"Search for at most {MAX_QUERY_LENGTH} characters: a few words work best.", code="query_too_long"
        )
    parsed = ParsedQuery(text="")
    kept: list[str] = []
    for match in _TOKEN.finditer(text):
        minus, phrase, bare = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            words = [w.lower() for w in _WORD.findall(phrase)][:MAX_TERMS]
            if not words:
                continue
            if minus:
                parsed.excluded.extend(words)
                kept.append("-" + " -".join(words))
            elif len(words) == 1:
                parsed.words.append(words[0])
                kept.append(words[0])
            else:
                parsed.phrases.append(words)
                parsed.words.extend(words)
                kept.append('"' + " ".join(words) + '"')
            continue
        lowered = bare.lower()
        if lowered == "has:file":
            parsed.has_file = True
            continue
        if lowered.startswith("kind:") and len(lowered) > 5:
            parsed.kind = lowered[5:]
            continue
        if lowered == "or" and kept:
            kept.append("or")
            continue
        negative = bare.startswith("-")
        words = [w.lower() for w in _WORD.findall(bare)]
        if not words:
            continue
        if negative:
            parsed.excluded.extend(words)
            kept.extend("-" + w for w in words)
        else:
            parsed.words.extend(words)
            kept.extend(words)
    parsed.words = parsed.words[:MAX_TERMS]
    parsed.excluded = parsed.excluded[:MAX_TERMS]
    while kept and kept[-1] == "or":
        kept.pop()
    parsed.text = " ".join(kept)
    return parsed
