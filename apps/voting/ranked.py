"""Instant-runoff counting for ranked-choice polls, round by round, with the reasons shown.

Each round every ballot counts for its highest-ranked option still in the race. An
option with more than half of the ballots still counting wins. Otherwise the option
with the fewest votes is eliminated and its ballots move to their next choice; a
ballot with no choice left is "exhausted" and stops counting.

Deterministic rules, also told to the reader in each round's explanation:

- Options with no votes at all are eliminated together (moving nothing changes nothing).
- A tie for fewest votes is broken by the earlier rounds, most recent first: the tied
  option that had fewer votes there is eliminated. If no earlier round separates them,
  the one listed last on the poll is eliminated (the order the poll's author chose).
- When every option still in the race has the same number of votes, the poll is a tie
  between them: no winner is made up.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Round:
    number: int
    tallies: list[tuple[int, int]]  # (option id, votes) for each option still in the race, in poll order
    continuing_ballots: int
    exhausted_ballots: int
    eliminated: list[int] = field(default_factory=list)
    winner: int | None = None
    explanation: str = ""


@dataclass(frozen=True)
class RunoffResult:
    rounds: list[Round]
    winner: int | None
    tied: list[int]
    explanation: str


def instant_runoff(ballots: Sequence[Sequence[int]], options: Sequence[int], labels: dict[int, str]) -> RunoffResult:
    """Count `ballots` (option ids, first preference first) over `options` (ids in poll order)."""
    position = {option: index for index, option in enumerate(options)}
    ballots = [[o for o in ballot if o in position] for ballot in ballots]
    ballots = [ballot for ballot in ballots if ballot]
    if not ballots:
        return RunoffResult(rounds=[], winner=None, tied=[], explanation="No ballots yet.")

    def name(option: int) -> str:
        return f"“{labels[option]}”"

    def names(group: Sequence[int]) -> str:
        quoted = [name(o) for o in sorted(group, key=position.__getitem__)]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]

    continuing = list(options)
    history: list[dict[int, int]] = []
    rounds: list[Round] = []
    while True:
        still_in = set(continuing)
        tallies = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ballot in ballots:
            top = next((option for option in ballot if option in still_in), None)
            if top is None:
                exhausted += 1
            else:
                tallies[top] += 1
        active = len(ballots) - exhausted
        history.append(tallies)
        number = len(history)
        ordered = [(option, tallies[option]) for option in continuing]
        leader = max(continuing, key=lambda option: (tallies[option], -position[option]))
        fewest = min(tallies.values())
        winner, tied, explanation = None, [], ""
        if active == 0:
            explanation = "Every ballot is exhausted: no option is left on any of them."
        elif tallies[leader] * 2 > active:
            winner, share = leader, round(100 * tallies[leader] / active)
            votes = f"{tallies[leader]} of {active} ballots still counting ({share} %)"
            explanation = f"{name(leader)} wins with a majority: {votes}."
        elif all(votes == fewest for votes in tallies.values()):
            tied = list(continuing)
            explanation = f"{names(continuing)} are tied with {fewest} votes each: the poll is a tie."
        if explanation:
            rounds.append(Round(number, ordered, active, exhausted, winner=winner, explanation=explanation))
            return RunoffResult(rounds=rounds, winner=winner, tied=tied, explanation=explanation)
        if fewest == 0:
            eliminated = [option for option in continuing if tallies[option] == 0]
            explanation = f"Eliminated {names(eliminated)}: no votes."
        else:
            eliminated, explanation = _eliminate_one(
                [option for option in continuing if tallies[option] == fewest], fewest, history, position, name, names
            )
        rounds.append(Round(number, ordered, active, exhausted, eliminated=eliminated, explanation=explanation))
        continuing = [option for option in continuing if option not in eliminated]


def _eliminate_one(tied, fewest, history, position, name, names) -> tuple[list[int], str]:
    if len(tied) == 1:
        return tied, f"Eliminated {name(tied[0])}: fewest votes ({fewest})."
    intro = f"{names(tied)} are tied for fewest votes ({fewest})"
    candidates = list(tied)
    for earlier in range(len(history) - 2, -1, -1):
        lowest = min(history[earlier][option] for option in candidates)
        narrowed = [option for option in candidates if history[earlier][option] == lowest]
        if len(narrowed) < len(candidates):
            candidates = narrowed
            if len(candidates) == 1:
                loser = candidates[0]
                return [loser], (
                    f"{intro}; eliminated {name(loser)}, which had fewer votes in round {earlier + 1} "
                    f"({history[earlier][loser]})."
                )
    loser = max(candidates, key=position.__getitem__)
    return [loser], (f"{intro} and no earlier round separates them; eliminated {name(loser)}, listed last on the poll.")
