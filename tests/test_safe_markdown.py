"""ui/safe_markdown.py: untrusted text can't produce an element that loads anything, and ordinary
Markdown still looks like Markdown. Checked on a corpus of known renderer bypasses and on random
mixes of their pieces (hypothesis); tests/reliability/test_inert_output_browser.py checks Chromium."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.bypasses import corpus
from ui.safe_markdown import ALLOWED_TAGS, markdown_block, markdown_html, md_escape, plain_block

TRACKER = "http://tracker.test"
LOADING_TAGS = {"img", "image", "svg", "iframe", "frame", "video", "audio", "source", "picture", "object",
                "embed", "link", "style", "script", "input", "body", "track", "math", "meta", "base"}
ATTRIBUTES = {"href", "title", "start", "target", "rel"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_inert(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS and tag not in LOADING_TAGS, (tag, html)
        assert set(attrs) <= ATTRIBUTES, (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert urlsplit(href).scheme in ("", "http", "https", "mailto"), href
            assert tag == "a", tag


@pytest.mark.parametrize("text", corpus(TRACKER))
def test_known_bypasses_render_no_loading_element(text):
    assert_inert(markdown_html(text))


PIECES = ["![", "](", ")", "[", "]", "`", "``", "```", "~~~", "\\", "<", ">", "<img src=", "<svg onload=",
          "<style>", "@import url(", "T/x.png", '"', "'", "&#60;", "&lt;", "&#x21;", "$", "$$", "\\href{",
          "\n", "\n\n", "    ", "> ", "- ", "1. ", "| a |", "|---|", "[r]: ", "javascript:", "data:", ":material/",
          "<!--", "-->", "*", "_", "#", "！", "\u200b", "word ", "http://", "style=", "srcset="]
mixes = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map(
    lambda parts: "".join(parts).replace("T/", TRACKER + "/"))


@settings(max_examples=400, deadline=None)
@given(mixes)
def test_random_mixes_of_bypass_pieces_render_no_loading_element(text):
    assert_inert(markdown_html(text))


@settings(max_examples=400, deadline=None)
@given(mixes)
def test_escaped_text_is_only_text_to_a_commonmark_parser(text):
    """What st.error/st.caption/labels get: no inline construct (image, link, HTML, code, math)."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    for token in parser.parse(md_escape(text)):
        assert token.type in {"paragraph_open", "paragraph_close", "inline", "code_block"}, token.type
        assert {child.type for child in token.children or []} <= {"text", "softbreak", "hardbreak"}


def test_images_become_links_and_raw_html_shows_as_text():
    html = markdown_html(f'![a cat]({TRACKER}/cat.png) <img src="{TRACKER}/x.png"> ![r][1]\n\n[1]: {TRACKER}/r.png')
    assert f'<a href="{TRACKER}/cat.png"' in html and "🖼 a cat</a>" in html and "🖼 r</a>" in html
    assert '&lt;img src="' in html and "<img" not in html


def test_dollar_amounts_are_text_not_latex():
    assert "<p>It costs $5 and $10, or $\\frac{1}{2}$.</p>" in markdown_html("It costs $5 and $10, or $\\frac{1}{2}$.")


def test_ordinary_markdown_keeps_its_structure():
    html = markdown_html("# Title\n\nSome **bold**, *italic*, ~~gone~~ and `code`.\n\n- one\n- two\n\n"
                         "1. first\n\n```python\nprint('<hi>')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                         "> quoted\n\n[docs](https://example.com/docs)")
    for fragment in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>italic</em>", "<s>gone</s>", "<code>code</code>",
                     "<li>one</li>", "<ol>", "<pre><code>print('&lt;hi&gt;')", "<th>a</th>", "<td>2</td>",
                     "<blockquote>", 'href="https://example.com/docs"', 'target="_blank"'):
        assert fragment in html, fragment


def test_blocks_always_start_with_a_tag():
    # st.html reads a short string without "<" as a file path
    assert markdown_block("/etc/passwd").startswith("<") and plain_block("/etc/passwd").startswith("<")
    assert "&lt;img" in plain_block("<img src=x>")


def test_escaping_keeps_the_text():
    assert md_escape("a_b*c") == "a\\_b\\*c"
    assert md_escape("![x](y) $5") == "\\!\\[x\\]\\(y\\) \\$5"
