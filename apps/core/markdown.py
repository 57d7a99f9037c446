"""Markdown for user content, rendered once and cleaned through an allow-list."""

import html as html_lib
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import markdown as markdown_lib
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


# A bare web address becomes a link, as in every chat and feed people know. Trailing
# punctuation stays text ("see https://example.com." links without the full stop).
BARE_URL = r"(?<![\w/\]\(\"'=])(https?://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}])"


class _BareUrlPattern(InlineProcessor):
    def handleMatch(self, match, data):
        link = ET.Element("a", href=match.group(1))
        link.text = match.group(1)
        return link, match.start(0), match.end(0)


class BareUrlExtension(Extension):
    def extendMarkdown(self, md):
        # Below backticks and escapes (so code is left alone) and below links (so [text](url) wins).
        md.inlinePatterns.register(_BareUrlPattern(BARE_URL, md), "bare_url", 95)


def markdown_to_clean_html(text: str, *, extensions: Sequence[Extension] = ()) -> str:
    """Markdown to HTML through the nh3 allow-list; `extensions` add syntax (e.g. mentions)."""
    html = markdown_lib.markdown(
        text or "", extensions=["extra", "sane_lists", BareUrlExtension(), *extensions], output_format="html"
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> SafeString:
    """Render user markdown to HTML that is safe to embed: raw HTML is escaped, links get rel=noopener."""
    return mark_safe(markdown_to_clean_html(text))  # noqa: S308 - cleaned by nh3


def plain_text(html: str, *, limit: int | None = None) -> str:
    """The words of rendered user content (its stored HTML, mentions already names) without markup.

    For titles, notification excerpts and e-mails' subjects: escape it where it is shown.
    """
    words = " ".join(html_lib.unescape(strip_tags(html or "")).split())
    if limit is not None and len(words) > limit:
        return words[: limit - 1].rstrip() + "…"
    return words
