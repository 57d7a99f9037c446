"""The idea boards and polls in HTML: the flows without JavaScript, query counts (the matrix: test_permissions.py)."""

import re
from pathlib import Path

import pytest

from apps.notifications.models import Notification
from apps.voting import services
from apps.voting.models import Idea, IdeaComment, IdeaVote, Poll
from tests.voting.conftest import make_poll, option_ids

pytestmark = pytest.mark.django_db


# Flows in the browser without JavaScript


def test_propose_vote_answer_and_read_the_history(client_as, department, member, manager, colleague):
    author = client_as("member")
    response = author.post("/ideas/sales/new/", {"title": "Quarterly  demo day", "description": "Show *work*."})
    idea = Idea.objects.get()
    assert response["Location"] == f"/ideas/sales/{idea.pk}/"
    page = author.get(response["Location"]).content.decode()
    assert "Quarterly demo day" in page and "<em>work</em>" in page and "Voted" in page

    voter = client_as("manager")
    voter.post(f"/ideas/sales/{idea.pk}/vote/", {"next": "/ideas/sales/?sort=new"})
    assert Idea.objects.get().vote_count == 2
    again = voter.post(f"/ideas/sales/{idea.pk}/vote/", follow=True)
    assert "You have already voted for this idea." in again.content.decode()
    assert Idea.objects.get().vote_count == 2

    answer = voter.post(f"/ideas/sales/{idea.pk}/status/", {"status": "planned", "note": "Booked for **March**."})
    assert answer.status_code == 302
    page = client_as("member").get(f"/ideas/sales/{idea.pk}/").content.decode()
    assert "changed the status from" in page and "<strong>March</strong>" in page
    assert f'data-idea-status="{idea.pk}">Planned' in page
    assert Notification.objects.get(recipient=member).url == f"/ideas/sales/{idea.pk}/"


def test_a_wrong_status_answer_shows_the_form_again_with_the_error(client_as, manager, idea):
    response = client_as("manager").post(f"/ideas/sales/{idea.pk}/status/", {"status": "open", "note": "Still open"})
    assert response.status_code == 400
    assert "The idea is already “Open”." in response.content.decode()


def test_the_vote_button_comes_back_to_the_board_with_its_filters(client_as, member, idea):
    response = client_as("member").post(f"/ideas/sales/{idea.pk}/vote/", {"next": "/ideas/sales/?sort=new&q=dark"})
    assert response["Location"] == "/ideas/sales/?sort=new&q=dark"
    evil = client_as("member").post(f"/ideas/sales/{idea.pk}/unvote/", {"next": "https://evil.example.net/"})
    assert evil["Location"] == f"/ideas/sales/{idea.pk}/"


def test_a_merged_duplicate_shows_where_it_went_and_leaves_the_board(client_as, manager, idea, other_idea):
    client = client_as("manager")
    response = client.post(f"/ideas/sales/{other_idea.pk}/merge/", {"into": idea.pk})
    assert response["Location"] == f"/ideas/sales/{idea.pk}/"
    duplicate_page = client.get(f"/ideas/sales/{other_idea.pk}/").content.decode()
    assert "This idea was merged into" in duplicate_page and f'href="/ideas/sales/{idea.pk}/"' in duplicate_page
    board = client.get("/ideas/sales/").content.decode()
    assert f'data-idea-row="{idea.pk}"' in board and f'data-idea-row="{other_idea.pk}"' not in board
    target_page = client.get(f"/ideas/sales/{idea.pk}/").content.decode()
    assert "was merged into this idea" in target_page
    bad = client.post(f"/ideas/sales/{idea.pk}/merge/", {"into": 999999})
    assert bad.status_code == 400 and "There is no idea with this number" in bad.content.decode()


def test_the_board_filters_by_status_and_searches(client_as, manager, department, colleague, idea, other_idea):
    services.idea_set_status(idea=idea, status="planned", acting_user=manager)
    services.idea_create(
        acting_user=colleague, department=department, title="Expense app", description="mobile receipts"
    )
    client = client_as("member")
    planned = client.get("/ideas/sales/?status=planned").content.decode()
    assert "Dark mode for the CRM" in planned and "Night theme" not in planned and "Expense app" not in planned
    found = client.get("/ideas/sales/?q=receipts+MOBILE").content.decode()
    assert "Expense app" in found and "Dark mode" not in found
    assert "Ideas matching “receipts MOBILE”" in found


def test_comments_can_be_written_and_deleted_by_their_author(client_as, member, idea):
    client = client_as("member")
    response = client.post(f"/ideas/sales/{idea.pk}/comments/", {"body": "Count me **in**"})
    comment = IdeaComment.objects.get()
    assert response["Location"] == f"/ideas/sales/{idea.pk}/#comment-{comment.pk}"
    assert "Count me <strong>in</strong>" in client.get(f"/ideas/sales/{idea.pk}/").content.decode()
    assert client.post(f"/ideas/sales/{idea.pk}/comments/", {"body": " "}).status_code == 400
    client.post(f"/ideas/sales/{idea.pk}/comments/{comment.pk}/delete/")
    assert not IdeaComment.objects.exists()


def test_the_author_edits_an_open_idea_but_not_once_it_is_answered(client_as, member, manager, department):
    idea = services.idea_create(acting_user=member, department=department, title="Typo")
    client = client_as("member")
    assert (
        client.post(f"/ideas/sales/{idea.pk}/edit/", {"title": "Fixed", "description": "Now *better*"}).status_code
        == 302
    )
    idea.refresh_from_db()
    assert idea.title == "Fixed" and idea.description_html == "<p>Now <em>better</em></p>"
    services.idea_set_status(idea=idea, status="under_review", acting_user=manager)
    assert client.get(f"/ideas/sales/{idea.pk}/edit/").status_code == 403


def test_a_poll_is_created_voted_in_and_shows_its_results_as_bars(client_as, member, manager):
    client = client_as("manager")
    response = client.post(
        "/ideas/sales/polls/new/",
        {"question": "Next offsite?", "kind": "multiple", "options": "Lisbon\nBerlin\n\nDublin", "max_choices": "2"},
    )
    poll = Poll.objects.get()
    assert response["Location"] == f"/ideas/sales/polls/{poll.pk}/"
    lisbon, berlin, dublin = option_ids(poll)
    before = client_as("member").get(f"/ideas/sales/polls/{poll.pk}/").content.decode()
    assert "Results appear once you have voted" in before
    too_many = client_as("member").post(f"/ideas/sales/polls/{poll.pk}/vote/", {"option": [lisbon, berlin, dublin]})
    assert too_many.status_code == 400 and "Choose at most 2 options." in too_many.content.decode()
    client_as("member").post(f"/ideas/sales/polls/{poll.pk}/vote/", {"option": [lisbon, berlin]})
    page = client_as("member").get(f"/ideas/sales/polls/{poll.pk}/").content.decode()
    assert "You voted for: “Lisbon”, “Berlin”." in page
    assert re.search(r'<rect class="poll-bar-fill" width="100\.0" height="8">', page)
    assert "Chosen by</span> Mia Member" in page


def test_a_ranked_poll_takes_ranks_and_shows_the_rounds(client_as, department, member, colleague):
    poll = make_poll(department, colleague, "ranked")
    red, green, blue = option_ids(poll)
    client = client_as("member")
    clash = client.post(f"/ideas/sales/polls/{poll.pk}/vote/", {f"rank-{red}": "1", f"rank-{green}": "1"})
    assert clash.status_code == 400 and "Give each option a different rank." in clash.content.decode()
    assert 'value="1"' in clash.content.decode()  # what was typed stays in the form
    client.post(f"/ideas/sales/polls/{poll.pk}/vote/", {f"rank-{red}": "2", f"rank-{green}": "", f"rank-{blue}": "1"})
    page = client.get(f"/ideas/sales/polls/{poll.pk}/").content.decode()
    assert "You voted for: 1. “Blue”, 2. “Red”." in page
    assert "Instant-runoff rounds" in page and "“Blue” wins with a majority" in page
    assert "Every ballot (1)" in page and "<strong>Mia Member</strong>: 1. Blue, 2. Red" in page


def test_closed_polls_refuse_ballots_with_a_clear_message(client_as, department, member, colleague, poll):
    client_as("manager").post(f"/ideas/sales/polls/{poll.pk}/close/")
    response = client_as("member").post(f"/ideas/sales/polls/{poll.pk}/vote/", {"option": option_ids(poll)[0]})
    assert response.status_code == 400 and "This poll is closed." in response.content.decode()
    assert Poll.objects.get().ballot_count == 0


def test_templates_need_no_inline_script_or_style(settings):
    """The CSP allows neither: scripts come from files, widths come from SVG attributes."""
    folder = Path(settings.BASE_DIR) / "templates" / "voting"
    for template in folder.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert " style=" not in text and "<style" not in text, template.name
        assert not re.search(r"\son[a-z]+=", text), template.name


# Query counts: a board page costs the same whatever the number of ideas


def _fill_board(department, authors, count: int) -> None:
    Idea.objects.bulk_create(
        [
            Idea(department=department, author=authors[i % len(authors)], title=f"Idea {i}", description=f"About {i}",
                 description_html=f"<p>About {i}</p>", vote_count=i % 7, trending_score=float(i % 11))
            for i in range(count)
        ],
        batch_size=500,
    )  # fmt: skip
    IdeaVote.objects.bulk_create([IdeaVote(idea=i, user=authors[0]) for i in Idea.objects.all()[:5]])


BOARD_QUERIES = 5  # both unread badges in one query; the session from the cache, the user once


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("path", ["/ideas/sales/", "/ideas/sales/?sort=trending&status=open&q=idea"])
def test_the_board_costs_a_constant_number_of_queries(
    client_as, django_assert_num_queries, department, member, colleague, manager, count, path
):
    _fill_board(department, [member, colleague, manager], count)
    client = client_as("member")
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(path)
    assert response.status_code == 200
    assert response.content.decode().count('class="idea-row"') == min(count, 25)
