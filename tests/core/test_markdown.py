"""User markdown: sanitised once, with plain web addresses turned into links."""

from apps.core.markdown import plain_text, render_markdown


def test_plain_urls_become_links_but_not_in_code_and_not_their_trailing_punctuation():
    assert render_markdown("see https://example.com/a?b=1.") == (
        '<p>see <a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow">https://example.com/a?b=1</a>.</p>'
    )
    assert render_markdown("`https://example.com`") == "<p><code>https://example.com</code></p>"
    assert render_markdown("[docs](https://example.com)").count("<a ") == 1


def test_only_web_addresses_are_linked():
    html = render_markdown("javascript:alert(1) and ftp://files.example and <script>x</script>")
    assert "<a" not in html and "<script" not in html


def test_plain_text_drops_markup():
    assert plain_text(render_markdown("**Bold** and _it_")) == "Bold and it"
