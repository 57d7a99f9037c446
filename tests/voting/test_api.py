"""The ideas and polls API: the flows, clear errors, anonymity, query counts (the matrix: test_permissions.py)."""

import pytest
from django.test import Client

from apps.voting import services
from apps.voting.models import Idea, IdeaVote, Poll, PollBallot
from tests.factories import UserFactory, add_member
from tests.voting.conftest import make_poll, option_ids

pytestmark = pytest.mark.django_db


# Flows


def test_propose_list_vote_and_answer_through_the_api(client_as, department, member, manager):
    client = client_as("member")
    created = client.post("/api/v1/ideas/", {"department": "sales", "title": "Demo day", "description": "*Yes*"},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    assert body | {} == body and (body["vote_count"], body["my_vote"], body["status"]) == (1, True, "open")
    assert body["description_html"] == "<p><em>Yes</em></p>" and body["url"] == f"/ideas/sales/{body['id']}/"

    manager_client = client_as("manager")
    voted = manager_client.post(f"/api/v1/ideas/{body['id']}/vote/")
    assert voted.json() == {"id": body["id"], "vote_count": 2, "my_vote": True}
    again = manager_client.post(f"/api/v1/ideas/{body['id']}/vote/")
    assert again.status_code == 409
    assert again.json() == {"detail": "You have already voted for this idea.", "code": "already_voted"}
    assert Idea.objects.get().vote_count == 2

    answered = manager_client.post(f"/api/v1/ideas/{body['id']}/status/", {"status": "shipped", "note": "Done."},
                                   content_type="application/json")  # fmt: skip
    assert answered.status_code == 201 and answered.json()["note_html"] == "<p>Done.</p>"
    closed = client.delete(f"/api/v1/ideas/{body['id']}/vote/")
    assert closed.status_code == 409 and closed.json()["code"] == "voting_closed"
    history = client.get(f"/api/v1/ideas/{body['id']}/history/").json()
    assert [(h["old_status"], h["new_status"], h["actor"]["name"]) for h in history] == [
        ("open", "shipped", "Max Manager")
    ]
    voters = client.get(f"/api/v1/ideas/{body['id']}/voters/").json()["results"]
    assert {v["name"] for v in voters} == {"Mia Member", "Max Manager"}


def test_bad_input_gets_a_clear_error_and_changes_nothing(client_as, member, idea):
    client = client_as("member")
    blank = client.post("/api/v1/ideas/", {"department": "sales", "title": " "}, content_type="application/json")
    assert blank.status_code == 400 and "title" in blank.json()["errors"]
    assert client.get("/api/v1/ideas/?sort=best").status_code == 400
    assert client.get("/api/v1/ideas/?status=maybe").json()["errors"] == {
        "status": ["Use one of: open, under_review, planned, in_progress, shipped, declined."]
    }
    merge = client_as("manager").post(
        f"/api/v1/ideas/{idea.pk}/merge/", {"into": idea.pk}, content_type="application/json"
    )
    assert merge.status_code == 400 and merge.json()["errors"] == {"into": ["An idea cannot be merged into itself."]}
    assert Idea.objects.count() == 1


def test_the_list_pages_by_cursor_in_every_order(client_as, department, colleague):
    Idea.objects.bulk_create(
        [Idea(department=department, author=colleague, title=f"Idea {i}", vote_count=i % 4) for i in range(30)]
    )
    client = client_as("member")
    for sort in ("top", "trending", "new"):
        seen, url = [], f"/api/v1/ideas/?department=sales&sort={sort}&page_size=7"
        while url:
            page = client.get(url).json()
            seen += [(i["vote_count"], i["id"]) for i in page["results"]]
            url = page["next"]
        assert len(seen) == len({i for _, i in seen}) == 30
        if sort == "top":
            assert seen == sorted(seen, key=lambda pair: (-pair[0], -pair[1]))


def test_merge_through_the_api_answers_the_idea_kept(client_as, manager, idea, other_idea):
    response = client_as("manager").post(f"/api/v1/ideas/{other_idea.pk}/merge/", {"into": idea.pk},
                                         content_type="application/json")  # fmt: skip
    assert response.json()["id"] == idea.pk and response.json()["vote_count"] == 1  # the same author voted for both
    duplicate = client_as("member").get(f"/api/v1/ideas/{other_idea.pk}/").json()
    assert duplicate["merged_into"] == idea.pk and duplicate["accepts_votes"] is False
    listed = [i["id"] for i in client_as("member").get("/api/v1/ideas/?department=sales").json()["results"]]
    assert listed == [idea.pk]


def test_a_ranked_poll_through_the_api(client_as, department, member, manager, colleague, outsider, admin_user):
    client = client_as("manager")
    created = client.post(
        "/api/v1/polls/",
        {"department": "sales", "question": "What first?", "kind": "ranked", "options": ["Reports", "App", "Search"]},
        content_type="application/json",
    ).json()
    reports, app, search = (o["id"] for o in created["options"])
    add_member(department, admin_user)  # admins vote where they are members, like everyone
    ballots = {"member": [app, reports], "manager": [reports], "colleague": [search, app], "admin_user": [app]}
    for role, ranking in ballots.items():
        voter = client_as(role) if role != "colleague" else _client_of(colleague)
        response = voter.post(
            f"/api/v1/polls/{created['id']}/vote/", {"options": ranking}, content_type="application/json"
        )
        assert response.status_code == 200
        assert response.json()["my_choices"] == ranking and response.json()["i_voted"] is True
    results = client_as("member").get(f"/api/v1/polls/{created['id']}/results/").json()
    assert results["ballot_count"] == 4
    assert [r["explanation"] for r in results["rounds"]] == [
        "“Reports” and “Search” are tied for fewest votes (1) and no earlier round separates them; "
        "eliminated “Search”, listed last on the poll.",
        "“App” wins with a majority: 3 of 4 ballots still counting (75 %).",
    ]
    assert results["winners"] == [app]
    voters = client_as("member").get(f"/api/v1/polls/{created['id']}/voters/").json()
    assert voters["options"] == [
        {"id": reports, "voters": ["Max Manager"]}, {"id": app, "voters": ["Ada Admin", "Mia Member"]},
        {"id": search, "voters": ["Carl Colleague"]},
    ]  # fmt: skip
    assert {"voter": "Carl Colleague", "option_ids": [search, app]} in voters["rankings"]
    assert client.post(f"/api/v1/polls/{created['id']}/close/").json()["closed"] is True
    late = client_as("outsider").post(f"/api/v1/polls/{created['id']}/vote/", {"options": [app]},
                                      content_type="application/json")  # fmt: skip
    assert late.status_code == 404  # not their board
    latecomer = UserFactory()
    add_member(department, latecomer)
    late = _client_of(latecomer).post(f"/api/v1/polls/{created['id']}/vote/", {"options": [app]},
                                      content_type="application/json")  # fmt: skip
    assert late.status_code == 409 and late.json() == {"detail": "This poll is closed.", "code": "poll_closed"}
    assert Poll.objects.get().ballot_count == 4


def test_poll_validation_errors_name_their_field(client_as, member):
    response = client_as("member").post(
        "/api/v1/polls/",
        {"department": "sales", "question": "Q", "kind": "single", "options": ["A", "a"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"options": ["Each option must be different: “a” appears twice."]}


def _client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Anonymous polls: nobody, admins included, sees who voted what


@pytest.mark.parametrize("kind", ["single", "ranked"])
def test_no_page_or_endpoint_reveals_who_voted_what_in_an_anonymous_poll(
    department, colleague, manager, admin_user, kind
):
    alice = UserFactory(display_name="Alice Anonymous", email="alice.anon@example.com")
    bob = UserFactory(display_name="Bob Anonymous", email="bob.anon@example.com")
    for user in (alice, bob, admin_user):  # an admin who is a member sees the poll; one who is not, nothing
        add_member(department, user)
    secret = make_poll(department, colleague, kind, options=["Red", "Blue"], is_anonymous=True)
    red, blue = option_ids(secret)
    services.poll_vote(poll=secret, acting_user=alice, option_ids=[red])
    services.poll_vote(poll=secret, acting_user=bob, option_ids=[blue])
    services.poll_close(acting_user=colleague, poll=secret)
    assert set(PollBallot.objects.filter(poll=secret).values_list("voter", flat=True)) == {None}

    superuser = UserFactory(display_name="Root Admin", email="root@example.com", is_staff=True)
    superuser.is_superuser = True  # sees every admin page there is
    superuser.save(update_fields=["is_superuser"])
    pages = [
        "/ideas/sales/polls/", f"/ideas/sales/polls/{secret.pk}/", f"/ideas/sales/polls/{secret.pk}/results/",
        "/api/v1/polls/", f"/api/v1/polls/{secret.pk}/", f"/api/v1/polls/{secret.pk}/results/",
        f"/api/v1/polls/{secret.pk}/voters/", "/api/v1/polls/?department=sales",
        "/admin/voting/", "/admin/voting/poll/", f"/admin/voting/poll/{secret.pk}/change/",
        "/admin/voting/pollballot/", "/admin/voting/pollparticipation/", "/admin/voting/pollchoice/",
    ]  # fmt: skip
    secrets = [alice.display_name, bob.display_name, alice.email, bob.email, f'"voter": {alice.pk}']
    for viewer in (superuser, admin_user, manager, colleague):
        client = _client_of(viewer)
        for path in pages:
            response = client.get(path)
            assert response.status_code in (200, 302, 403, 404), (path, response.status_code)
            if viewer == superuser and path.startswith("/admin/"):
                # Neither the poll (department content) nor its ballots and participations are on the admin site.
                assert response.status_code == 404, path
            text = response.content.decode()
            for needle in secrets:
                assert needle not in text, f"{needle!r} shown on {path} to {viewer.display_name}"
            if path == f"/api/v1/polls/{secret.pk}/voters/" and viewer != superuser:
                assert response.status_code == 403 and response.json()["code"] == "anonymous"
        expected = 404 if viewer == superuser else 200  # the superuser is not in Sales
        assert client.get(f"/ideas/sales/polls/{secret.pk}/").status_code == expected
    # The results themselves are there: one vote each, without names.
    results = _client_of(admin_user).get(f"/api/v1/polls/{secret.pk}/results/").json()
    assert [(o["label"], o["votes"]) for o in results["options"]] == [("Red", 1), ("Blue", 1)]
    # A voter is told they voted, never what.
    own = _client_of(alice).get(f"/api/v1/polls/{secret.pk}/").json()
    assert own["i_voted"] is True and own["my_choices"] is None
    assert (
        "You voted. Your ballot is anonymous"
        in _client_of(alice).get(f"/ideas/sales/polls/{secret.pk}/").content.decode()
    )

    # The same checks see names in a poll that is not anonymous: they would catch a leak.
    public = make_poll(department, colleague, kind, options=["Red", "Blue"])
    services.poll_vote(poll=public, acting_user=alice, option_ids=option_ids(public)[:1])
    assert alice.display_name in _client_of(admin_user).get(f"/ideas/sales/polls/{public.pk}/").content.decode()
    assert _client_of(admin_user).get(f"/api/v1/polls/{public.pk}/voters/").json()["options"][0]["voters"] == [
        alice.display_name
    ]


def test_the_schema_describes_the_voting_endpoints(client_as, member):
    schema = client_as("member").get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/ideas/",
        "/api/v1/ideas/{id}/vote/",
        "/api/v1/ideas/{id}/merge/",
        "/api/v1/polls/{id}/results/",
    ):
        assert path in schema["paths"], path


# Query counts


@pytest.mark.parametrize("count", [10, 1000])
def test_the_idea_list_costs_a_constant_number_of_queries(
    client_as, django_assert_num_queries, department, member, count
):
    Idea.objects.bulk_create(
        [Idea(department=department, author=member, title=f"Idea {i}", vote_count=i % 5) for i in range(count)],
        batch_size=500,
    )
    IdeaVote.objects.bulk_create([IdeaVote(idea=i, user=member) for i in Idea.objects.all()[:3]])
    client = client_as("member")
    # User (the session is cached), department, one page of ideas (author, board and my vote joined in).
    with django_assert_num_queries(3):
        response = client.get("/api/v1/ideas/?department=sales&sort=top")
    assert len(response.json()["results"]) == min(count, 50)
