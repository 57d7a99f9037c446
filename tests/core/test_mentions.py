"""The one mention parser: `@**Name**` and `@**Name|id**`, resolved among the readers of a place only."""

import pytest

from apps.accounts.models import User
from apps.core.markdown import plain_text
from apps.core.mentions import mention_text, render_with_mentions, suggest
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(department, member, manager):
    return User.objects.filter(memberships__department=department)


def link(user) -> str:
    return f'<a class="mention" href="/people/{user.pk}/" data-user-id="{user.pk}">@{user.display_name}</a>'


def test_a_mention_of_a_reader_links_to_their_profile_and_names_them(readers, manager):
    rendered = render_with_mentions("Thanks @**max manager**, and **you** too", readers)  # any case
    assert rendered.users == [manager]
    assert rendered.html == f"<p>Thanks {link(manager)}, and <strong>you</strong> too</p>"


def test_each_person_is_mentioned_once_in_order_of_first_mention(readers, member, manager):
    rendered = render_with_mentions("@**Mia Member** @**Max Manager** @**Mia Member**", readers)
    assert rendered.users == [member, manager]
    assert rendered.html.count(link(member)) == 2


def test_unknown_names_stay_as_typed_and_notify_nobody(readers):
    rendered = render_with_mentions("Ask @**Nobody Here** or @** ** or @****", readers)
    assert rendered.users == []
    assert rendered.html == "<p>Ask @<strong>Nobody Here</strong> or @** ** or @****</p>"  # plain markdown


def test_people_who_cannot_read_the_place_are_not_mentioned_and_their_names_not_revealed(readers, outsider):
    rendered = render_with_mentions(f"@**Olga Outsider** and @**Someone|{outsider.pk}**", readers)
    assert rendered.users == []
    assert "href" not in rendered.html and str(outsider.pk) not in rendered.html.replace(f"|{outsider.pk}", "")
    assert rendered.html == f"<p>@<strong>Olga Outsider</strong> and @<strong>Someone|{outsider.pk}</strong></p>"


def test_a_shared_name_needs_the_id_form(department, readers, member):
    first = UserFactory(display_name="Sam Lee")
    second = UserFactory(display_name="sam lee")
    for person in (first, second):
        add_member(department, person)
    ambiguous = render_with_mentions("@**Sam Lee** hello", readers)
    assert ambiguous.users == [] and "href" not in ambiguous.html  # guessing could notify the wrong Sam
    chosen = render_with_mentions(f"@**Sam Lee|{second.pk}** hello", readers)
    assert chosen.users == [second]
    assert link(second) in chosen.html  # shown with the person's own name, whatever was typed


def test_the_id_form_shows_the_persons_current_name_not_the_typed_one(readers, manager):
    rendered = render_with_mentions(f"@**The Boss|{manager.pk}**", readers)
    assert rendered.users == [manager] and "@Max Manager</a>" in rendered.html and "Boss" not in rendered.html


def test_code_spans_and_code_blocks_are_not_parsed(readers):
    body = "`@**Max Manager**`\n\n```\n@**Max Manager**\n```\n\n    @**Max Manager**"
    rendered = render_with_mentions(body, readers)
    assert rendered.users == []
    assert rendered.html.count("<code>@**Max Manager**") == 3


def test_a_mention_inside_a_link_is_plain_text_and_in_a_title_is_escaped(readers, manager):
    rendered = render_with_mentions('[see @**Max Manager**](https://example.com "for @**Max Manager**")', readers)
    assert rendered.users == [manager]
    assert rendered.html.count("<a ") == 1  # no link inside a link
    assert ">see @Max Manager</a>" in rendered.html and 'title="for @Max Manager"' in rendered.html


def test_html_in_names_is_escaped(department, readers):
    sneaky = UserFactory(display_name='<img src=x onerror="alert(1)"> & Co')
    add_member(department, sneaky)
    rendered = render_with_mentions('@**<img src=x onerror="alert(1)"> & Co**', readers)
    assert rendered.users == [sneaky]
    assert "<img" not in rendered.html
    assert "@&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co</a>" in rendered.html


def test_typed_html_cannot_forge_a_mention(readers, manager):
    forged = f'<a class="mention" data-user-id="{manager.pk}" href="/people/{manager.pk}/">@Max</a> <script>x</script>'
    rendered = render_with_mentions(forged, readers)
    assert rendered.users == []
    assert 'class="mention"' not in rendered.html and "data-user-id" not in rendered.html
    assert "<script" not in rendered.html


def test_a_guessed_token_is_not_a_mention(readers):
    rendered = render_with_mentions("mention0000000000000000n0e @**Max Manager**", readers)
    assert rendered.html.startswith("<p>mention0000000000000000n0e <a ")


def test_deactivated_readers_are_not_mentioned(readers, manager):
    manager.is_active = False
    manager.save()
    assert render_with_mentions("@**Max Manager**", readers).users == []


def test_plain_text_shows_mentions_as_names_and_drops_markup(readers, manager):
    rendered = render_with_mentions(f"Hi @**Max Manager|{manager.pk}** and **bold** <b>raw</b>", readers)
    assert plain_text(rendered.html) == "Hi @Max Manager and bold raw"
    assert plain_text(rendered.html, limit=12) == "Hi @Max Man…"


def test_suggestions_match_the_start_of_name_words_first_names_first(department, readers, member):
    alba = UserFactory(display_name="Alba Zorn", job_title="Alchemist")
    dalia = UserFactory(display_name="Dalia Alvarez")
    jean = UserFactory(display_name="Jean-Alain Roux")
    titled = UserFactory(display_name="Zoe Young", job_title="Alchemist")  # a title is not a name
    inside = UserFactory(display_name="Kalani Smith")  # "al" inside a word
    for person in (alba, dalia, jean, titled, inside):
        add_member(department, person)
    found = suggest(readers, "al", exclude_user_id=member.pk)
    assert [s.user for s in found] == [alba, dalia, jean]
    assert [s.insert for s in found] == ["@**Alba Zorn**", "@**Dalia Alvarez**", "@**Jean-Alain Roux**"]
    assert [s.user.display_name for s in suggest(readers, "@**dalia alv")] == ["Dalia Alvarez"]


def test_suggestions_insert_the_id_only_for_shared_names_and_skip_the_asker(department, readers, member, outsider):
    twins = [UserFactory(display_name="Sam Lee"), UserFactory(display_name="Sam Lee")]
    for person in twins:
        add_member(department, person)
    found = suggest(readers, "sam", exclude_user_id=member.pk)
    assert [s.insert for s in found] == [f"@**Sam Lee|{twins[0].pk}**", f"@**Sam Lee|{twins[1].pk}**"]
    assert [s.user.display_name for s in suggest(readers, "", exclude_user_id=member.pk)] == [
        "Max Manager", "Sam Lee", "Sam Lee",
    ]  # fmt: skip
    assert suggest(readers, "olga") == []  # not a reader
    assert mention_text(member) == "@**Mia Member**"


def test_a_name_the_syntax_cannot_hold_is_inserted_with_its_id(department, readers):
    starred = UserFactory(display_name="**Star** | Power")
    add_member(department, starred)
    (found,) = suggest(readers, "power")
    assert found.insert == f"@**Star Power|{starred.pk}**"
    rendered = render_with_mentions(found.insert, readers)
    assert rendered.users == [starred] and "@**Star** | Power</a>" in rendered.html


def test_suggestions_are_capped_at_ten(department, readers):
    for i in range(12):
        add_member(department, UserFactory(display_name=f"Tess {i:02d}"))
    assert len(suggest(readers, "tess")) == 10
