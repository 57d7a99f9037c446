"""Questions through the services: asking, who reads what, answers, acceptance, clocks, escalation, figures."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.departments.services import company_wide_department
from apps.feed.models import Post
from apps.notifications.models import Notification
from apps.questions import access, selectors, services
from apps.questions.models import Question, QuestionTarget
from apps.voting.models import Idea
from tests.factories import DepartmentFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db


def test_asking_tells_the_departments_members_and_starts_their_clock(question, product, product_member, member):
    target = question.targets.get()
    assert target.department == product and target.assignee is None
    assert target.first_response_due_at > target.asked_at and target.answer_due_at > target.first_response_due_at
    told = set(Notification.objects.filter(kind="question").values_list("recipient__email", flat=True))
    assert told == {"pia@example.com", "pete@example.com"}
    assert "customer" not in question.body_html or "<strong>daily</strong>" in question.body_html


def test_bad_questions_are_refused_and_nothing_is_created(department, member, product, product_member):
    company = company_wide_department()
    cases = [
        ({"departments": []}, "departments"),
        ({"departments": [department]}, "departments"),  # asking one's own department
        ({"departments": [company]}, "departments"),
        ({"departments": [DepartmentFactory(name=f"D{i}") for i in range(6)]}, "departments"),
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"title": "x" * 201}, "title"),
    ]
    for change, field in cases:
        data = {"departments": [product], "title": "A question", "body": "Details", **change}
        with pytest.raises(Invalid) as refused:
            services.question_ask(acting_user=member, asking_department=department, **data)
        assert field in refused.value.errors
    assert not Question.objects.exists() and not QuestionTarget.objects.exists()


def test_an_outsider_cannot_ask_from_a_department_they_are_not_in(outsider, department, product):
    with pytest.raises(NotFound):
        services.question_ask(acting_user=outsider, asking_department=department, departments=[product],
                              title="Hi", body="There")  # fmt: skip


def test_an_open_question_is_read_by_all_staff_a_confidential_one_by_both_departments_only(
    question, secret, member, manager, outsider, admin_user, product_member
):
    assert set(Question.objects.visible_to(outsider)) == {question}
    assert set(Question.objects.visible_to(admin_user)) == {question}  # admins read only what all staff read
    assert set(Question.objects.visible_to(member)) == {question, secret}
    assert set(Question.objects.visible_to(product_member)) == {question, secret}
    with pytest.raises(NotFound):
        access.access_question(outsider, secret.pk)
    readers = set(access.question_readers(secret).values_list("email", flat=True))
    assert readers == {"member@example.com", "manager@example.com", "pia@example.com", "pete@example.com"}


def test_an_answer_from_the_department_asked_is_its_first_response_and_a_colleagues_is_not(
    question, manager, product_member
):
    services.answer_create(acting_user=manager, question=question, body="I think it is next week")
    target = question.targets.get()
    assert target.first_response_at is None
    services.answer_create(acting_user=product_member, question=question, body="Thursday, in **3.4**.")
    target.refresh_from_db()
    assert target.first_response_at is not None and target.first_response_seconds is not None
    question.refresh_from_db()
    assert question.answer_count == 2
    assert Notification.objects.filter(recipient=question.asker, kind="question_answer").count() == 2


def test_a_comment_from_the_department_asked_counts_as_its_first_response(question, product_member):
    services.comment_create(acting_user=product_member, question=question, body="Looking into it.")
    assert question.targets.get().first_response_at is not None


def test_the_asker_or_a_manager_asked_accepts_and_nobody_else(question, member, outsider, product_member,
                                                              product_manager, manager):  # fmt: skip
    answer = services.answer_create(acting_user=product_member, question=question, body="Thursday.")
    answer = access.access_answer(manager, answer.pk)
    with pytest.raises(Forbidden):
        services.answer_accept(acting_user=manager, answer=answer)  # the asker's manager is neither
    with pytest.raises(Forbidden):
        services.answer_accept(acting_user=outsider, answer=answer)
    services.answer_accept(acting_user=product_manager, answer=answer)
    question.refresh_from_db()
    assert question.status == "answered" and question.accepted_answer_id == answer.pk
    target = question.targets.get()
    assert target.answered_at is not None and target.answer_seconds is not None
    with pytest.raises(Conflict, match="already has an accepted answer"):
        services.answer_accept(acting_user=member, answer=answer)
    with pytest.raises(Conflict, match="reopen it"):
        services.answer_create(acting_user=product_member, question=question, body="More")


def test_reopening_starts_a_new_answer_clock(question, member, product_member):
    answer = services.answer_create(acting_user=product_member, question=question, body="Thursday.")
    services.answer_accept(acting_user=member, answer=access.access_answer(member, answer.pk))
    before = question.targets.get()
    question.refresh_from_db()
    services.question_reopen(acting_user=member, question=question)
    question.refresh_from_db()
    target = question.targets.get()
    assert question.status == "open" and question.accepted_answer is None
    assert target.answered_at is None and target.answer_clock_at > before.asked_at
    assert target.first_response_at == before.first_response_at
    with pytest.raises(Conflict):
        services.question_reopen(acting_user=member, question=question)


def test_managers_of_the_department_asked_assign_to_their_members_only(
    question, manager, member, product_member, product_manager
):
    with pytest.raises(Forbidden):
        services.question_assign(acting_user=manager, question=question, department="product",
                                 assignee_id=product_member.pk)  # fmt: skip
    with pytest.raises(Invalid, match="member of Product"):
        services.question_assign(acting_user=product_manager, question=question, department="product",
                                 assignee_id=member.pk)  # fmt: skip
    target = services.question_assign(acting_user=product_manager, question=question, department="product",
                                      assignee_id=product_member.pk)  # fmt: skip
    assert target.assignee == product_member
    assert Notification.objects.filter(recipient=product_member, kind="question_assigned").exists()
    with pytest.raises(Invalid, match="not asked of that department"):
        services.question_assign(acting_user=product_manager, question=question, department="sales", assignee_id=None)


def _overdue(target: QuestionTarget, hours: int = 1) -> None:
    past = timezone.now() - timedelta(hours=hours)
    QuestionTarget.objects.filter(pk=target.pk).update(first_response_due_at=past, answer_due_at=past)


def test_escalation_tells_the_assignee_then_the_managers_with_a_link_only(
    question, product, product_member, product_manager, mailoutbox
):
    target = services.question_assign(acting_user=product_manager, question=question, department=product.pk,
                                      assignee_id=product_member.pk)  # fmt: skip
    _overdue(target, hours=200)
    assert services.escalate(target_id=target.pk, phase="first_response") == 1
    assert Notification.objects.filter(kind="question_overdue", recipient=product_member).count() == 1
    assert services.escalate(target_id=target.pk, phase="first_response") == 1  # a business day later: managers
    assert Notification.objects.filter(kind="question_overdue", recipient=product_manager).count() == 1
    assert services.escalate(target_id=target.pk, phase="first_response") == 0  # nothing after the managers
    title = Notification.objects.filter(kind="question_overdue").first().title
    assert "export fix" in title  # an open question may be named inside the intranet


def test_nothing_is_escalated_before_its_time_or_once_answered(question, member, product_member):
    target = question.targets.get()
    assert services.escalate(target_id=target.pk, phase="first_response") == 0
    _overdue(target)
    services.comment_create(acting_user=product_member, question=question, body="On it")
    assert services.escalate(target_id=target.pk, phase="first_response") == 0
    assert services.escalate(target_id=target.pk, phase="answer") >= 1  # no answer yet: still late
    assert services.escalate(target_id=9_999_999, phase="answer") == 0


def test_a_confidential_question_is_never_named_in_escalations(secret, product_manager):
    target = secret.targets.get()
    _overdue(target, hours=200)
    services.escalate(target_id=target.pk, phase="answer")
    titles = list(Notification.objects.filter(kind="question_overdue").values_list("title", flat=True))
    assert titles and all("Lyon" not in t and "confidential question from Sales" in t for t in titles)


def test_new_targets_give_open_questions_new_due_dates(question, product, product_manager):
    target = question.targets.get()
    services.response_targets_update(
        acting_user=product_manager, department=product, first_response_days="0.5", answer_days="10",
        time_zone="Asia/Tokyo", working_days=[0, 1, 2, 3], day_starts=dt.time(8), day_ends=dt.time(16),
        holiday_country="JP", closed_days=["2030-01-02"],
    )  # fmt: skip
    updated = question.targets.get()
    assert updated.answer_due_at > target.answer_due_at


@pytest.mark.parametrize(
    ("change", "field"),
    [({"first_response_days": "soon"}, "first_response_days"), ({"answer_days": "0.2"}, "answer_days"),
     ({"time_zone": "Mars/Olympus"}, "time_zone"), ({"working_days": []}, "working_days"),
     ({"working_days": [0, 9]}, "working_days"), ({"day_ends": dt.time(8)}, "day_ends"),
     ({"holiday_country": "XX"}, "holiday_country"), ({"closed_days": ["tomorrow"]}, "closed_days")],
)  # fmt: skip
def test_bad_targets_are_refused_and_nothing_changes(product, product_manager, change, field):
    data = {"first_response_days": "1", "answer_days": "3", "time_zone": "Europe/Paris", "working_days": [0, 1, 2],
            "day_starts": dt.time(9), "day_ends": dt.time(17), "holiday_country": "", "closed_days": [], **change}  # fmt: skip
    with pytest.raises(Invalid) as refused:
        services.response_targets_update(acting_user=product_manager, department=product, **data)
    assert field in refused.value.errors
    assert not product.__class__.objects.get(pk=product.pk).__dict__.get("response_targets")
    from apps.questions.models import ResponseTargets

    assert not ResponseTargets.objects.exists()


def test_figures_give_medians_percentiles_and_the_share_within_target(product, question, member, department):
    now = timezone.now()
    rows = [(1, 1, True), (2, 5, True), (3, 10, False), (4, 30, False), (30, 40, False)]  # hours: first, answer
    QuestionTarget.objects.all().delete()
    for first_hours, answer_hours, in_time in rows:
        q = services.question_ask(acting_user=member, asking_department=department, departments=[product],
                                  title="Q", body="B")  # fmt: skip
        due = now - timedelta(hours=1) if in_time else now - timedelta(hours=3)  # answered 2 hours ago
        QuestionTarget.objects.filter(question=q).update(
            first_response_at=now - timedelta(hours=2), first_response_seconds=first_hours * 3600,
            answered_at=now - timedelta(hours=2), answer_seconds=answer_hours * 3600,
            first_response_due_at=due, answer_due_at=due,
        )  # fmt: skip
    figures = selectors.response_figures(product, days=30)
    assert figures.asked == 5
    assert (figures.first_response_median, figures.first_response_p90) == (3, 30)
    assert (figures.answer_median, figures.answer_p90) == (10, 40)
    assert figures.answer_within == pytest.approx(2 / 5)
    old = QuestionTarget.objects.first()
    QuestionTarget.objects.filter(pk=old.pk).update(asked_at=now - timedelta(days=60))
    assert selectors.response_figures(product, days=30).asked == 4
    assert selectors.response_figures(product, days=90).asked == 5


def test_a_question_becomes_a_post_or_an_idea_that_links_back(question, product, product_member, member):
    answer = services.answer_create(acting_user=product_member, question=question, body="Thursday, **3.4**.")
    services.answer_accept(acting_user=member, answer=access.access_answer(member, answer.pk))
    question = access.access_question(product_member, question.pk)
    post = services.question_to_post(acting_user=product_member, question=question, department="product")
    assert post.department == product and f"/questions/{question.pk}/" in post.body
    assert "Asked in Sales" in post.body and "Thursday" in post.body
    with pytest.raises(Conflict):
        services.question_to_post(acting_user=product_member, question=question, department="product")
    with pytest.raises(Forbidden):
        services.question_to_post(acting_user=member, question=question, department="product")
    idea = services.question_to_idea(acting_user=product_member, question=question, department=product.pk)
    assert idea.department == product and "Asked in Sales" in idea.description
    assert Post.objects.count() == 1 and Idea.objects.count() == 1


def test_a_confidential_question_becomes_a_confidential_post(secret, product_member):
    post = services.question_to_post(acting_user=product_member, question=secret, department="product")
    assert post.is_confidential


def test_similar_questions_match_words_of_the_title_first(question, secret, outsider, member):
    assert selectors.similar_questions(member, "export fix date") == [question]
    assert selectors.similar_questions(member, "the and of") == []
    assert selectors.similar_questions(outsider, "Lyon site closing") == []  # confidential: not theirs
    assert selectors.similar_questions(member, "Lyon site closing") == [secret]


def test_reactions_on_answers_toggle(question, product_member, member):
    answer = services.answer_create(acting_user=product_member, question=question, body="Thursday.")
    assert services.reaction_toggle(acting_user=member, answer=answer, emoji="heart") is True
    assert answer.reaction_counts == {"heart": 1}
    assert services.reaction_toggle(acting_user=member, answer=answer, emoji="heart") is False
    with pytest.raises(Invalid):
        services.reaction_toggle(acting_user=member, answer=answer, emoji="poop")


def test_attachments_are_checked_by_their_content(question, product_member):
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(Invalid, match="not an accepted file type"):
        services.answer_create(acting_user=product_member, question=question, body="See file", attachments=[exe])
    assert question.answers.count() == 0
    good = SimpleUploadedFile("notes.txt", b"Release notes")
    answer = services.answer_create(acting_user=product_member, question=question, body="See file", attachments=[good])
    assert answer.attachments.get().content_type == "text/plain"


def test_mentions_notify_only_readers_of_the_question(secret, product_member, outsider):
    services.answer_create(acting_user=product_member, question=secret, body="@**Olga Outsider** @**Mia Member**")
    assert not Notification.objects.filter(recipient=outsider, kind="mention").exists()
    assert Notification.objects.filter(recipient__email="member@example.com", kind="mention").exists()


def test_an_unaccepted_policy_stops_asking_and_answering(question, department, member, product_member, admin_user):
    from apps.policies import services as policy_services

    policy = policy_services.policy_create(acting_user=admin_user, department=company_wide_department(), body="Rules",
                                           never_share_words=["salary"])  # fmt: skip
    with pytest.raises(Forbidden, match="accept"):
        services.answer_create(acting_user=product_member, question=question, body="Thursday")
    policy_services.policy_accept(acting_user=member, policy=policy, version=1)
    with pytest.raises(Conflict) as warned:
        services.question_ask(acting_user=member, asking_department=department, departments=[question.targets.get().department],
                              title="Salary bands?", body="For the new team")  # fmt: skip
    assert warned.value.code == "policy_warning"
    services.question_ask(acting_user=member, asking_department=department, is_confidential=True,
                          departments=[question.targets.get().department], title="Salary bands?", body="For the new team")  # fmt: skip


def test_a_second_department_asked_keeps_its_own_clock(department, member, product, product_member):
    legal = DepartmentFactory(name="Legal team")
    lawyer = UserFactory(display_name="Lou Lawyer")
    add_member(legal, lawyer)
    question = services.question_ask(acting_user=member, asking_department=department, departments=[product, legal],
                                     title="Can we promise the date?", body="In writing")  # fmt: skip
    services.answer_create(acting_user=lawyer, question=question, body="Not in writing.")
    clocks = {t.department.name: t.first_response_at for t in question.targets.select_related("department")}
    assert clocks["Legal team"] is not None and clocks["Product"] is None
