"""A query compiled once per process gives each person what the ORM would build for them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.chat import services as chat
from apps.chat.models import Room, RoomSetting
from apps.core.compiled import _UNSAFE, PersonQuery
from apps.core.shell import _Badges, _badges_query
from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import DepartmentFactory, add_member

pytestmark = pytest.mark.django_db


def _orm(user) -> tuple:
    return tuple(_badges_query(user).first())


def test_the_header_badges_compiled_once_count_as_the_orm_does_for_each_person(member, manager, outsider, department):
    badges = PersonQuery(_badges_query)
    room = Room.objects.get(department=department)
    other = DepartmentFactory(name="Compliance")
    add_member(other, member)
    chat.message_send(acting_user=manager, room_id=room.pk, body="one")
    chat.message_send(acting_user=manager, room_id=room.pk, body="two")
    notify(recipients=[member], kind="mention", title="You were mentioned", url="/")
    RoomSetting.objects.create(room=Room.objects.get(department=other), user=member, level=RoomSetting.Level.NOTHING)
    answers = {user.email: tuple(badges.rows(user)[0]) for user in (member, manager, outsider)}
    assert _Badges(member).counts == (1, 2) and all(type(n) is int for n in _Badges(member).counts)
    assert badges._compiled[False] is not _UNSAFE  # one SQL for everyone but admins
    assert answers == {user.email: _orm(user) for user in (member, manager, outsider)}
    assert answers[member.email] == (1, 2) and answers[manager.email] == (0, 0)
    chat.message_send(acting_user=member, room_id=room.pk, body="mine does not count for me")
    assert tuple(badges.rows(manager)[0]) == (0, 1) == _orm(manager)


def test_a_query_that_reads_the_time_is_not_cached_and_stays_right(member):
    recent = PersonQuery(lambda user: Notification.objects.filter(
        recipient=user, created_at__gte=timezone.now() - timedelta(minutes=1)).values_list("title"))  # fmt: skip
    assert recent.rows(member) == []
    notify(recipients=[member], kind="mention", title="Just now", url="/")
    assert recent.rows(member) == [("Just now",)] and recent._compiled[False] is _UNSAFE


def test_someone_no_longer_active_gets_the_query_built_for_them(member):
    member.is_active = False
    assert PersonQuery(_badges_query).rows(member) == [(0, 0)]


def test_a_query_that_depends_on_being_an_admin_is_compiled_apart_for_admins(member, admin_user):
    staff_only = PersonQuery(lambda user: Notification.objects.filter(recipient=user, id__gt=0 if user.is_staff else -1)
                             .values_list("title"))  # fmt: skip
    notify(recipients=[member, admin_user], kind="mention", title="Hello", url="/")
    assert staff_only.rows(member) == staff_only.rows(admin_user) == [("Hello",)]
    assert _UNSAFE not in staff_only._compiled.values() and set(staff_only._compiled) == {False, True}
    assert staff_only._compiled[False].sql == staff_only._compiled[True].sql
    assert staff_only._compiled[False].params != staff_only._compiled[True].params


def test_a_query_that_reads_more_of_the_person_than_the_id_is_not_cached(member, admin_user):
    superuser_only = PersonQuery(lambda user: Notification.objects.filter(
        recipient=user, id__gt=0 if user.is_superuser else -1).values_list("title"))  # fmt: skip
    by_address = PersonQuery(lambda user: Notification.objects.filter(recipient__email=user.email).values_list("title"))
    notify(recipients=[member], kind="mention", title="Hello", url="/")
    assert superuser_only.rows(member) == by_address.rows(member) == [("Hello",)]
    assert superuser_only._compiled[False] is _UNSAFE and by_address._compiled[False] is _UNSAFE


def _room_state(rooms) -> list[tuple]:
    """Everything the sidebar reads of each room, its department and its annotations."""
    fields = [f.attname for f in Room._meta.concrete_fields]
    annotations = ("unread_count", "my_last_read", "other_user_id", "other_name", "level")
    return sorted(
        (
            tuple(getattr(room, name) for name in fields),
            room.department.name if room.department_id else None,
            tuple(getattr(room, name) for name in annotations),
        )
        for room in rooms
    )


def test_the_chat_sidebar_compiled_once_builds_the_rooms_the_orm_builds_for_each_person(
    member, manager, outsider, department, django_assert_num_queries
):
    from apps.chat.selectors import rooms_for

    sidebar = PersonQuery(rooms_for)
    chat.group_room_create(acting_user=manager, name="Launch", member_ids=[member.pk])
    direct, _ = chat.direct_room(acting_user=member, other_id=manager.pk)
    chat.message_send(acting_user=manager, room_id=direct.pk, body="hello")
    chat.message_send(acting_user=manager, room_id=Room.objects.get(department=department).pk, body="all")
    RoomSetting.objects.create(room=direct, user=member, level=RoomSetting.Level.MENTIONS)
    for user in (member, manager, outsider):
        expected = list(rooms_for(user))
        with django_assert_num_queries(1):
            rooms = sidebar.objects(user)
            states = _room_state(rooms)  # the departments came with the rooms: no query each
        assert states == _room_state(expected)
        assert [type(room.created_at) for room in rooms] == [type(room.created_at) for room in expected]
    assert sidebar._compiled[False] is not _UNSAFE
    mine = {room.pk: room for room in sidebar.objects(member)}
    assert mine[direct.pk].other_name == manager.display_name and mine[direct.pk].unread_count == 1
    assert mine[direct.pk].level == RoomSetting.Level.MENTIONS
    assert direct.pk not in {room.pk for room in sidebar.objects(outsider)}


def test_the_home_feeds_departments_compiled_once_are_the_orms_with_each_persons_role(
    member, manager, outsider, department
):
    from apps.departments.models import Department
    from apps.feed.views import _postable_departments

    postable = PersonQuery(_postable_departments)
    DepartmentFactory(name="Compliance")

    def seen(departments) -> list[tuple]:
        return [(d.pk, d.name, d.is_company_wide, d.my_role, d.my_role_of) for d in departments]

    for user in (member, manager, outsider):
        assert seen(postable.objects(user)) == seen(_postable_departments(user))
    assert postable._compiled[False] is not _UNSAFE
    roles = {d.pk: d.my_role for d in postable.objects(manager)}
    assert roles[department.pk] == "manager" and set(roles) == set(
        Department.objects.readable_by(manager).values_list("pk", flat=True)
    )
    assert department.pk not in {d.pk for d in postable.objects(outsider)}


def test_the_department_gatekeepers_compiled_once_admit_whom_the_rule_admits(member, outsider, admin_user, department):
    from apps.core.errors import NotFound
    from apps.departments.access import access_department, access_department_content
    from apps.departments.models import Department

    company = Department.objects.get(is_company_wide=True)
    for _ in range(2):  # the second round runs the compiled SQL
        assert access_department(member, department.slug).my_role == "member"
        assert access_department_content(member, department.pk).pk == department.pk
        assert access_department_content(outsider, company.slug).my_role == "member"
        admin_view = access_department(admin_user, department.slug)  # admins see the page, not the content
        assert admin_view.pk == department.pk and admin_view.my_role is None and admin_view.my_role_of == admin_user.pk
        for user, ref in ((outsider, department.slug), (outsider, department.pk), (admin_user, department.slug)):
            with pytest.raises(NotFound):
                access_department_content(user, ref)
        with pytest.raises(NotFound):
            access_department(outsider, department.slug)
        with pytest.raises(NotFound):
            access_department(member, "no-such-department")


def test_the_room_gatekeeper_compiled_once_admits_whom_the_rule_admits_with_their_role(
    member, manager, outsider, admin_user, department, django_assert_num_queries
):
    from apps.chat.access import _READABLE_ROOM, access_room, can_moderate_room
    from apps.core.errors import NotFound

    sales = Room.objects.get(department=department)
    company = Room.objects.get(department__is_company_wide=True)
    group = chat.group_room_create(acting_user=manager, name="Launch", member_ids=[member.pk])
    add_member(department, admin_user, role="member")
    for _ in range(2):  # the second round runs the compiled SQL
        for user, room, moderates in (
            (member, sales, False),
            (manager, sales, True),
            (admin_user, sales, True),  # an admin who is a member moderates like a manager
            (outsider, company, False),
            (member, group, False),
        ):
            with django_assert_num_queries(1):  # the room, its department and the role: one query
                opened = access_room(user, room.pk)
                assert opened.pk == room.pk and can_moderate_room(user, opened) is moderates
        for user, room in ((outsider, sales), (outsider, group), (admin_user, group)):
            with pytest.raises(NotFound):
                access_room(user, room.pk)
        with pytest.raises(NotFound):
            access_room(member, 9_999_999)
    assert _READABLE_ROOM._compiled[False] is not _UNSAFE and _READABLE_ROOM._compiled[True] is not _UNSAFE


def test_a_query_of_n_ids_compiled_once_per_n_reads_what_the_orm_reads(member, manager, admin_user, department):
    """`key=tuple`: my reactions and acknowledgements of a page's posts (apps/feed/cards.py)."""
    from apps.feed import announcements, cards
    from apps.feed import services as feed

    posts = [feed.post_create(acting_user=manager, department=department, body=f"Post {i}") for i in range(4)]
    notice = feed.post_create(
        acting_user=manager, department=department, kind="announcement", body="Read me", requires_ack=True
    )
    feed.reaction_toggle(acting_user=member, post=posts[0], emoji="heart")
    feed.reaction_toggle(acting_user=member, post=posts[2], emoji="party")
    feed.reaction_toggle(acting_user=manager, post=posts[2], emoji="heart")
    announcements.acknowledge(acting_user=member, post=notice)
    query = PersonQuery(cards._personal_rows, key=tuple)
    ids = tuple(p.pk for p in [*posts, notice])
    for user in (member, manager, admin_user):
        for key in (ids, ids[:2], ids[2:], ids[::-1]):
            assert sorted(query.rows(user, key)) == sorted(cards._personal_rows(user, key))
    assert sorted(query.rows(member, ids)) == sorted(
        [(posts[0].pk, "heart", 0), (posts[2].pk, "party", 0), (notice.pk, "", notice.version)]
    )
    assert query.rows(manager, (posts[2].pk,)) == [(posts[2].pk, "heart", 0)]
    # one compilation per number of ids (and for admins apart); repeated ids are built for the call
    assert {which for which, compiled in query._compiled.items() if compiled is not _UNSAFE} == {
        (False, 5), (False, 2), (False, 3), (False, 1), (True, 5), (True, 2), (True, 3),
    }  # fmt: skip
    assert query.rows(member, (posts[0].pk, posts[0].pk)) == [(posts[0].pk, "heart", 0)]
    assert len(query._compiled) == 7
    facts = cards.personal_facts([posts[0].pk, posts[0].pk, notice.pk, posts[1].pk], member)
    assert facts == {posts[0].pk: ({"heart"}, set()), notice.pk: (set(), {notice.version}), posts[1].pk: (set(), set())}


def test_a_department_page_of_members_compiled_once_is_the_orms_for_each_kind_of_department(
    member, manager, outsider, department
):
    """`KeyQuery`: the department page's first page of member cards (apps/departments/selectors.py)."""
    from apps.core.compiled import KeyQuery
    from apps.departments import selectors
    from apps.departments.models import Department

    company = Department.objects.get(is_company_wide=True)

    def seen(profiles) -> list[tuple]:
        return [(p.user_id, p.display_name, p.role) for p in profiles]

    for dept in (department, company):
        orm = selectors.department_members(dept).order_by(*selectors.MEMBER_ORDER)
        for size in (1, 2, 50):
            page = selectors.member_cards_page(dept, cursor=None, size=size)
            assert seen(page.items) == seen(orm[:size]) and (page.next_cursor is None) == (orm.count() <= size)
            if page.next_cursor:  # the next page, from the ORM, goes on where the compiled one ended
                rest = selectors.member_cards_page(dept, cursor=page.next_cursor, size=50)
                assert seen(page.items + rest.items) == seen(orm)
    roles = {p.user_id: p.role for p in selectors.member_cards_page(department, cursor=None, size=50).items}
    assert roles == {member.pk: "member", manager.pk: "manager"} and outsider.pk not in roles
    assert outsider.pk in {p.user_id for p in selectors.member_cards_page(company, cursor=None, size=50).items}
    compiled = selectors._first_members(False, 50)
    assert isinstance(compiled, KeyQuery) and compiled._query._compiled[False] is not _UNSAFE
    with pytest.raises(TypeError):
        PersonQuery(lambda user: Notification.objects.all(), person=False)


def test_an_idea_boards_first_page_compiled_once_is_the_orms_for_each_person_sort_and_status(
    member, manager, colleague, admin_user, department
):
    """The idea board's first page (apps/voting/selectors.py `board_page`) and its status counts."""
    from apps.core.pagination import keyset_page
    from apps.voting import selectors
    from apps.voting import services as voting

    ideas = [voting.idea_create(acting_user=colleague, department=department, title=f"Idea {i}") for i in range(5)]
    voting.idea_vote(acting_user=member, idea=ideas[1])
    voting.idea_vote(acting_user=manager, idea=ideas[1])
    voting.idea_vote(acting_user=manager, idea=ideas[3])
    voting.idea_set_status(acting_user=manager, idea=ideas[4], status="planned")
    voting.idea_merge(acting_user=manager, duplicate=ideas[0], target=ideas[2])  # merged: off the board

    def seen(page) -> tuple:
        rows = [
            (i.pk, i.title, i.vote_count, bool(i.my_vote), i.author.display_name, i.department.slug) for i in page.items
        ]
        return rows, page.next_cursor

    for user in (member, manager, colleague, admin_user):
        for sort in selectors.SORTS:
            for status in (None, "planned", "open", "shipped"):
                for size in (2, 25):
                    compiled = selectors.board_page(
                        user, department, sort=sort, status=status, query="", cursor=None, size=size
                    )
                    orm = keyset_page(
                        selectors.board_ideas(user, department=department, status=status),
                        fields=selectors.SORTS[sort], cursor=None, size=size,
                    )  # fmt: skip
                    assert seen(compiled) == seen(orm), (user.email, sort, status, size)
    top = selectors.board_page(member, department, sort="top", status=None, query="", cursor=None, size=2)
    assert [(i.pk, bool(i.my_vote)) for i in top.items] == [(ideas[1].pk, True), (ideas[3].pk, False)]
    rest = selectors.board_page(member, department, sort="top", status=None, query="", cursor=top.next_cursor, size=25)
    assert {i.pk for i in top.items + rest.items} == {i.pk for i in ideas[1:]}
    counts = selectors.status_counts(department)
    assert counts == dict.fromkeys(["under_review", "in_progress", "shipped", "declined"], 0) | {
        "open": 3, "planned": 1, "all": 4,
    }  # fmt: skip
