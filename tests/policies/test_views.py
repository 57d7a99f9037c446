"""Policy pages: the page that comes first, the record and its CSV, query counts (the matrix: test_permissions.py)."""

import csv
import io

import pytest

from apps.policies import services
from apps.policies.models import PolicyAcceptance
from tests.factories import UserFactory, add_member

from .conftest import accept

pytestmark = pytest.mark.django_db


def test_the_policy_comes_first_on_the_next_page_load_and_accepting_sends_you_on(
    client_as, department, member, sales_policy
):
    client = client_as("member")
    response = client.get("/feed/d/sales/")
    assert response.status_code == 302 and response["Location"] == "/policies/accept/?next=/feed/d/sales/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Sales: no prices in public." in html and "I have read and accept" in html
    assert client.get("/api/v1/posts/").status_code == 200  # the API is never redirected
    assert client.get("/feed/posts/0/card/", headers={"Sec-Fetch-Mode": "cors"}).status_code == 404  # fragments pass
    response = client.post("/policies/accept/", {f"policy-{sales_policy.pk}": "1", "next": "/feed/d/sales/"})
    assert response.status_code == 302 and response["Location"] == "/feed/d/sales/"
    assert PolicyAcceptance.objects.filter(user=member, policy=sales_policy, version=1).exists()
    assert client.get("/feed/d/sales/").status_code == 200


def test_reading_only_for_now_lets_pages_through_until_a_new_version(client_as, department, manager, sales_policy):
    client = client_as("member")
    response = client.post("/policies/accept/", {"read_only": "1", "next": "/ideas/"})
    assert response["Location"] == "/ideas/"
    assert client.get("/feed/d/sales/").status_code == 200
    refused = client.post("/api/v1/posts/", {"department": "sales", "body": "Hi"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "policy_not_accepted"
    services.policy_publish_version(acting_user=manager, policy=sales_policy, body="v2", summary="Stricter")
    assert client.get("/feed/d/sales/").status_code == 302


def test_a_stale_version_on_the_page_is_not_accepted(client_as, department, member, manager, sales_policy):
    client = client_as("member")
    services.policy_publish_version(acting_user=manager, policy=sales_policy, body="v2", summary="Stricter")
    response = client.post("/policies/accept/", {f"policy-{sales_policy.pk}": "1", "next": "/"}, follow=True)
    assert "changed since you opened it" in response.content.decode()
    assert not PolicyAcceptance.objects.filter(user=member).exists()


def test_the_csv_export_lists_who_accepted_which_version_and_when(client_as, department, member, manager, sales_policy):
    evil = UserFactory(email="evil@example.com", display_name="=HYPERLINK(1)")
    add_member(department, evil)
    for user in (member, evil):
        accept(user, sales_policy)
    response = client_as("manager").get(f"/policies/{sales_policy.pk}/acceptances.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "email", "version", "accepted_at"]
    assert [r[:3] for r in rows[1:]] == [
        ["Mia Member", "member@example.com", "1"],
        ["'=HYPERLINK(1)", "evil@example.com", "1"],
    ]


@pytest.mark.parametrize("people", [5, 60])
def test_the_record_page_costs_the_same_queries_however_many_people(
    client_as, department, manager, sales_policy, people, django_assert_num_queries
):
    accept(manager, sales_policy)
    for i in range(people):
        user = UserFactory(display_name=f"Person {i:03d}")
        add_member(department, user)
        if i % 2:
            accept(user, sales_policy)
    client = client_as("manager")
    client.get("/policies/")  # the session and the policy caches are warm, as on any later page
    # policy, page of readers with their acceptance, two counts, both unread badges in one query
    # (session and user: cached)
    with django_assert_num_queries(5):
        response = client.get(f"/policies/{sales_policy.pk}/acceptances/")
    assert response.status_code == 200
    assert len(response.context["page"].items) == min(50, people + 1)
    assert response.context["accepted"] == 1 + people // 2


def test_a_bad_pattern_on_the_page_is_shown_beside_the_field_and_nothing_changes(client_as, department, sales_policy):
    response = client_as("manager").post(
        f"/policies/{sales_policy.pk}/edit/",
        {"form": "rules", "never_share_words": "", "never_share_patterns": "ACC-("},
    )
    assert response.status_code == 400 and "not a valid regular expression" in response.content.decode()
    sales_policy.refresh_from_db()
    assert sales_policy.never_share_patterns == []
