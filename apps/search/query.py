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
class Terms:
    """What one side of an `or` asks for: all its words and phrases, none of its excluded words."""

    singles: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def fts5(self, *, prefix: bool) -> str:
        positive = [f'"{w}"*' if prefix else f'"{w}"' for w in dict.fromkeys(self.singles)]
        positive += ['"' + " ".join(p) + '"' for p in self.phrases]
        if not positive:
            return ""  # FTS5 has no "everything but": `a or -b` keeps only `a` here
        return " AND ".join(positive) + "".join(f' NOT "{w}"' for w in self.excluded)


@dataclass
class ParsedQuery:
    text: str  # the words, phrases, minus signs and "or"s, for websearch_to_tsquery
    words: list[str] = field(default_factory=list)  # every positive word, phrases included, lower case
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    has_file: bool = False
    kind: str | None = None
    # The alternatives `or` separates (as websearch_to_tsquery: `a b or c` is (a and b) or c).
    alternatives: list[Terms] = field(default_factory=lambda: [Terms()])

    @property
    def is_empty(self) -> bool:
        return not self.words

    def fts5(self, *, prefix: bool = True) -> str:
        """The same query in FTS5 syntax, every term quoted (so nothing typed is an FTS5 operator)."""
        parts = [p for terms in self.alternatives if (p := terms.fts5(prefix=prefix))]
        if len(parts) == 1:
            return parts[0]
        return " OR ".join(f"({p})" for p in parts)


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
    terms = parsed.alternatives[0]
    for match in _TOKEN.finditer(text):
        minus, phrase, bare = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            words = [w.lower() for w in _WORD.findall(phrase)][:MAX_TERMS]
            if not words:
                continue
            if minus:
                parsed.excluded.extend(words)
                terms.excluded.extend(words)
                kept.append("-" + " -".join(words))
            elif len(words) == 1:
                parsed.words.append(words[0])
                terms.singles.append(words[0])
                kept.append(words[0])
            else:
                parsed.phrases.append(words)
                terms.phrases.append(words)
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
            if kept[-1] != "or":
                kept.append("or")
                terms = Terms()
                parsed.alternatives.append(terms)
            continue
        negative = bare.startswith("-")
        words = [w.lower() for w in _WORD.findall(bare)]
        if not words:
            continue
        if negative:
            parsed.excluded.extend(words)
            terms.excluded.extend(words)
            kept.extend("-" + w for w in words)
        else:
            parsed.words.extend(words)
            terms.singles.extend(words)
            kept.extend(words)
    parsed.words = parsed.words[:MAX_TERMS]
    parsed.excluded = parsed.excluded[:MAX_TERMS]
    while kept and kept[-1] == "or":
        kept.pop()
    parsed.alternatives = [
        Terms(t.singles[:MAX_TERMS], t.phrases[:MAX_TERMS], t.excluded[:MAX_TERMS])
        for t in parsed.alternatives[:MAX_TERMS]
        if t.singles or t.phrases or t.excluded
    ] or [Terms()]
    parsed.text = " ".join(kept)
    return parsed
