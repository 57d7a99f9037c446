import pytest
from django.core.management import call_command

from apps.departments.services import company_wide_department
from apps.voting.models import Idea, IdeaVote, Poll
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def test_seed_voting_fills_each_board_once_with_consistent_data(department, manager, admin_user, capsys):
    company_wide_department()
    for i in range(6):
        add_member(department, UserFactory(display_name=f"Demo {i}"))
    call_command("seed_voting")
    assert "20 ideas and 4 polls added" in capsys.readouterr().out
    for board in ("sales", "all-staff"):
        ideas = Idea.objects.filter(department__slug=board)
        assert ideas.count() == 10 and ideas.filter(merged_into__isnull=False).count() == 1
        assert set(ideas.values_list("status", flat=True)) >= {"planned", "shipped", "declined"}
        for idea in ideas:
            assert idea.vote_count == IdeaVote.objects.filter(idea=idea).count()
        assert Poll.objects.filter(department__slug=board, is_anonymous=True).count() == 1
    assert all(p.ballot_count == p.ballots.count() > 0 for p in Poll.objects.all())

    call_command("seed_voting")
    assert "0 ideas and 0 polls added" in capsys.readouterr().out
    assert Idea.objects.count() == 20


def test_seed_demo_fills_the_boards_through_the_voting_step_and_seed_voting_then_adds_nothing(capsys):
    call_command("seed_demo", "--users", "12", "--departments", "2", "--no-photos", "--posts", "0")
    assert "30 new ideas and 6 new polls" in capsys.readouterr().out  # Sales, HR and All staff
    ideas = Idea.objects.count()
    call_command("seed_voting")
    assert "0 ideas and 0 polls added" in capsys.readouterr().out
    call_command("seed_demo", "--users", "12", "--departments", "2", "--no-photos", "--posts", "0")
    assert "0 new ideas and 0 new polls" in capsys.readouterr().out
    assert Idea.objects.count() == ideas
