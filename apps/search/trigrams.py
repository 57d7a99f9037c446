"""pg_trgm's `similarity` and `word_similarity`, for SQLite (registered as SQL functions on each connection).

So that typo tolerance on names ("jon smi" finds John Smith) is decided by the same
measure on both back ends: a word's trigrams are those of the word padded with two spaces
before and one after, lower case; similarity is shared trigrams over all trigrams;
word similarity is the best similarity of the first text's trigrams with a run of
consecutive trigrams of the second (pg_trgm's defaults: 0.3 and 0.6).
"""

import re

from django.db.backends.signals import connection_created

SIMILARITY_THRESHOLD = 0.3
WORD_SIMILARITY_THRESHOLD = 0.6
_WORD = re.compile(r"[^\W_]+")


def _trigram_list(text: str) -> list[str]:
    grams: list[str] = []
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams += [padded[i : i + 3] for i in range(len(padded) - 2)]
    return grams


def similarity(a: str | None, b: str | None) -> float:
    first, second = set(_trigram_list(a or "")), set(_trigram_list(b or ""))
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def word_similarity(a: str | None, b: str | None) -> float:
    wanted = set(_trigram_list(a or ""))
    sequence = _trigram_list(b or "")
    if not wanted or not sequence:
        return 0.0
    hits = [i for i, gram in enumerate(sequence) if gram in wanted]
    best = 0.0
    # A run that starts or ends on a trigram the first text lacks only scores lower: try hits only.
    for n, start in enumerate(hits):
        for end in hits[n:]:
            extent = set(sequence[start : end + 1])
            best = max(best, len(wanted & extent) / len(wanted | extent))
    return best


def register_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_similarity", 2, similarity, deterministic=True)
        connection.connection.create_function("search_word_similarity", 2, word_similarity, deterministic=True)


connection_created.connect(register_functions, dispatch_uid="search-trigram-functions")
