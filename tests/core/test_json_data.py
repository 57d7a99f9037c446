"""The page data filter writes exactly what Django's json_script writes, hostile text included."""

import pytest
from django.template import Context, Template
from django.utils.html import json_script

from apps.core.templatetags.json_data import json_data

HOSTILE = [
    {"body": "</script><script>alert(1)</script>", "name": "A & B <c>", "n": 3, "x": None},
    ["<!--", "-->", "&amp;", "\u2028\u2029", "é ✓ 💬", "\\u003C"],
    "plain",
    [],
]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_same_characters_as_json_script(value):
    assert json_data(value, "chat-initial") == json_script(value, "chat-initial")


def test_no_markup_escapes_the_script_element_in_a_template():
    html = Template('{% load json_data %}{{ v|json_data:"d" }}').render(Context({"v": {"t": "</script><b>"}}))
    assert html == '<script id="d" type="application/json">{"t": "\\u003C/script\\u003E\\u003Cb\\u003E"}</script>'
