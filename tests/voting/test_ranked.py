"""Instant-runoff counting, round by round, with deterministic and explained tie-breaks."""

from apps.voting.ranked import instant_runoff

A, B, C, D = 1, 2, 3, 4
LABELS = {A: "A", B: "B", C: "C", D: "D"}


def count(ballots, options=(A, B, C, D)):
    return instant_runoff(ballots, list(options), LABELS)


def test_a_first_round_majority_wins_at_once():
    result = count([[A]] * 3 + [[B]] * 2)
    assert result.winner == A and len(result.rounds) == 1
    assert result.rounds[0].tallies == [(A, 3), (B, 2), (C, 0), (D, 0)]
    assert result.explanation == "“A” wins with a majority: 3 of 5 ballots still counting (60 %)."


def test_eliminated_ballots_move_to_their_next_choice_and_exhausted_ones_stop_counting():
    ballots = [[A]] * 4 + [[B, C]] * 2 + [[C, B]] * 3 + [[D]] * 1
    result = count(ballots)
    assert [r.eliminated for r in result.rounds] == [[D], [B], []]
    assert result.rounds[1].tallies == [(A, 4), (B, 2), (C, 3)]
    assert result.rounds[1].exhausted_ballots == 1  # the D ballot had no next choice
    assert result.rounds[2].tallies == [(A, 4), (C, 5)]
    assert result.rounds[2].continuing_ballots == 9
    assert result.winner == C


def test_options_without_votes_go_out_together():
    result = count([[A]] * 2 + [[B, A]] * 1 + [[C, B]] * 2, options=(A, B, C, D))
    assert result.rounds[0].eliminated == [D]
    assert result.rounds[0].explanation == "Eliminated “D”: no votes."


def test_a_tie_for_fewest_is_broken_by_the_earlier_rounds():
    # Round 1: A 4, B 3, C 2, D 1 → D out; its ballot goes to C. Round 2: A 4, B 3, C 3:
    # B and C tie for fewest; in round 1 C had fewer (2 < 3), so C goes.
    ballots = [[A]] * 4 + [[B]] * 3 + [[C, A]] * 2 + [[D, C]]
    result = count(ballots)
    assert result.rounds[1].eliminated == [C]
    assert result.rounds[1].explanation == (
        "“B” and “C” are tied for fewest votes (3); eliminated “C”, which had fewer votes in round 1 (2)."
    )
    assert result.winner == A


def test_a_tie_no_round_separates_eliminates_the_option_listed_last():
    result = count([[A]] * 3 + [[B, A]] * 2 + [[C, B]] * 2, options=(A, B, C))
    assert result.rounds[0].eliminated == [C]
    assert "no earlier round separates them; eliminated “C”, listed last on the poll" in result.rounds[0].explanation
    assert result.rounds[1].tallies == [(A, 3), (B, 4)]
    assert result.winner == B


def test_the_same_ballots_always_give_the_same_rounds():
    ballots = [[A, B], [B, C], [C, A], [D, A], [A], [B, D]]
    assert count(ballots) == count(list(reversed(ballots)))


def test_when_every_option_left_is_tied_the_poll_is_a_tie():
    result = count([[A]] * 2 + [[B]] * 2, options=(A, B))
    assert result.winner is None and result.tied == [A, B]
    assert result.explanation == "“A” and “B” are tied with 2 votes each: the poll is a tie."


def test_no_ballots_no_rounds():
    assert count([]).rounds == [] and count([]).explanation == "No ballots yet."
