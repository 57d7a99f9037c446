"""`{% url %}` answers from memory (apps/core/links.py) exactly what Django's reverse answers."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from apps.core import links


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.fixture(autouse=True)
def _fresh():
    links._kept.cache_clear()
    yield
    set_script_prefix("/")


def test_every_template_url_is_the_kept_one_and_answers_as_reverse_does():
    source = "{% url 'home' %} {% url 'people:detail' pk %} {% url 'media' path=name %} {% url 'people:detail' 7 %}"
    expected = " ".join([reverse("home"), reverse("people:detail", args=[3]),
                         reverse("media", kwargs={"path": "r&d/a.png"}), reverse("people:detail", args=[7])])  # fmt: skip
    assert "&" in expected
    assert _render(source, pk=3, name="r&d/a.png") == expected.replace("&", "&amp;")
    assert links._kept.cache_info().misses == 4
    assert _render(source, pk=3, name="r&d/a.png") == expected.replace("&", "&amp;")
    assert links._kept.cache_info().hits == 4  # the second page reversed nothing


def test_as_var_a_failed_reverse_and_arguments_that_are_not_kept():
    assert _render("{% url 'no-such-view' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-view' %}")
    assert links._kept.cache_info().currsize == 0  # a failure is not kept

    class Slug:
        def __str__(self) -> str:
            return "sales"

    assert _render("{% url 'feed:department' slug %}", slug=Slug()) == reverse("feed:department", args=["sales"])
    assert links._kept.cache_info().currsize == 0  # not a str or an int: reversed every time


def test_the_script_prefix_and_the_urlconf_are_part_of_the_answer(settings):
    plain = _render("{% url 'home' %}")
    set_script_prefix("/intranet/")
    assert _render("{% url 'home' %}") == "/intranet/" + plain.lstrip("/")
    set_script_prefix("/")
    assert _render("{% url 'home' %}") == plain
    settings.ROOT_URLCONF = "intranet.bench_hello"  # has no 'home'
    with pytest.raises(NoReverseMatch):
        _render("{% url 'home' %}")
