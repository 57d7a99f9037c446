"""The board's cached idea rows (apps/voting/board_rows.py): never stale, mine only mine, live tokens."""

import re

import pytest
from django.test import Client

from apps.core.fragments import SLOT
from apps.voting import services

pytestmark = pytest.mark.django_db


def _row(html: str, idea) -> str:
    return re.search(rf'<li class="idea-row" id="idea-{idea.pk}".*?</li>', html, re.S).group(0)


def test_a_vote_shows_at_once_and_only_the_voter_sees_voted(client_as, member, manager, idea):
    board = "/ideas/sales/?sort=top"
    before = _row(client_as("member").get(board).content.decode(), idea)
    assert "Vote<span" in before and f'data-vote-count="{idea.pk}">1<' in before
    services.idea_vote(acting_user=member, idea=idea)
    mine = _row(client_as("member").get(board).content.decode(), idea)
    theirs = _row(client_as("manager").get(board).content.decode(), idea)
    assert "Voted<span" in mine and 'class="vote-box voted"' in mine
    assert "Vote<span" in theirs and 'class="vote-box"' in theirs
    assert f'data-vote-count="{idea.pk}">2<' in mine and f'data-vote-count="{idea.pk}">2<' in theirs


def test_an_edit_a_status_and_a_comment_show_at_once(client_as, colleague, manager, idea):
    client = client_as("member")
    assert "Dark mode for the CRM" in _row(client.get("/ideas/sales/").content.decode(), idea)
    services.idea_update(acting_user=colleague, idea=idea, title="Dark mode everywhere")
    services.idea_set_status(idea=idea, status="planned", acting_user=manager)
    services.comment_create(idea=idea, acting_user=colleague, body="And the e-mails")
    row = _row(client.get("/ideas/sales/").content.decode(), idea)
    assert "Dark mode everywhere" in row and "idea-status-planned" in row and ">1</span> comment<" in row


def test_the_row_tokens_are_this_requests_and_voting_comes_back_to_the_same_board(member, idea):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/ideas/sales/")  # the row is cached by another request first
    html = client.get("/ideas/sales/?sort=new").content.decode()
    assert SLOT.search(html) is None and "\x00" not in html
    row = _row(html, idea)
    assert "ago</time>" in row and " ago</time>" in row and re.search(r">\d", row)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    action = re.search(r'<form method="post" class="vote-form" action="([^"]+)"', row).group(1)
    assert '<input type="hidden" name="next" value="/ideas/sales/?sort=new">' in row
    response = client.post(action, {"csrfmiddlewaretoken": token, "next": "/ideas/sales/?sort=new"})
    assert response.status_code == 302 and response["Location"] == "/ideas/sales/?sort=new"
    assert idea.votes.filter(user=member).exists()


def test_a_cached_row_is_not_shown_on_another_board(client_as, member, idea, other_department, outsider):
    assert _row(client_as("member").get("/ideas/sales/").content.decode(), idea)
    assert "Dark mode for the CRM" not in client_as("outsider").get("/ideas/legal/").content.decode()
    assert client_as("outsider").get("/ideas/sales/").status_code == 404


def test_a_row_is_served_from_the_cache_while_its_stamp_matches(client_as, member, idea):
    from django.core.cache import cache

    from apps.voting import board_rows, selectors

    client_as("member").get("/ideas/sales/")
    (listed,) = [i for i in selectors.board_ideas(member, department=idea.department) if i.pk == idea.pk]
    key = board_rows._key(listed)
    stamp, _ = cache.get(key)
    cache.set(key, (stamp, f'<li class="idea-row" id="idea-{idea.pk}">from the cache \x00next:\x00</li>'))
    page = client_as("member").get("/ideas/sales/?sort=new").content.decode()
    assert f'<li class="idea-row" id="idea-{idea.pk}">from the cache /ideas/sales/?sort=new</li>' in page
