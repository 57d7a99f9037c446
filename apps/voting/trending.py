"""The "trending" order of an idea board: recent votes weigh more.

At any moment `now`, an idea's heat is the sum over its votes of a weight that halves
every `HALF_LIFE` (7 days):

    heat(now) = Σ_votes 0.5 ** ((now − voted_at) / HALF_LIFE)

A vote cast today counts 1, a week ago 0.5, a month ago about 0.05. Trending sorts by
heat, highest first.

Heat changes every second, but the *order* it gives does not, because every idea's heat
is multiplied by the same factor as time passes. So the row stores a time-invariant
score with the same order:

    trending_score = log2( Σ_votes 2 ** ((voted_at − EPOCH) / HALF_LIFE) )
                   = log2(heat(now)) + (now − EPOCH) / HALF_LIFE

It only changes when the idea's votes change, so no periodic refresh is needed and the
board pages through it with an index and a keyset cursor, on SQLite and PostgreSQL alike.
It is in half-lives: one more point means twice the heat. It is computed in Python with
the log-sum-exp trick (no overflow for any date). An idea without votes has no heat and
gets `NO_VOTES_SCORE`, below every idea that has some (ties then go newest first).
"""

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

HALF_LIFE = timedelta(days=7)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
NO_VOTES_SCORE = -1_000_000.0


def half_lives_since_epoch(moment: datetime) -> float:
    return (moment - EPOCH) / HALF_LIFE


def trending_score(vote_times: Iterable[datetime]) -> float:
    exponents = [half_lives_since_epoch(moment) for moment in vote_times]
    if not exponents:
        return NO_VOTES_SCORE
    top = max(exponents)
    return top + math.log2(sum(2.0 ** (exponent - top) for exponent in exponents))


def heat(vote_times: Iterable[datetime], now: datetime) -> float:
    """The decayed vote weight itself, for display and for tests of the equivalence above."""
    return sum(0.5 ** ((now - moment) / HALF_LIFE) for moment in vote_times)
