"""Text from records, provider errors and prompts, shown so that it can never load anything.

Why not Streamlit's Markdown: a regex that guessed which parts were code lost every disagreement
with the browser's Markdown parser (escaped backticks, `~~~` mid-line, ...) and an image fetched a
remote URL (issue 16). Here the text is parsed once, on the server, by markdown-it-py (CommonMark,
plus GFM tables and strikethrough); raw HTML stays text, images become plain links. The HTML is
then cut down by nh3 to an allowlist with no element or attribute that loads a resource (no img,
svg, iframe, media, link, style, no style/srcset attributes, only http/https/mailto/relative
links) and shown with `st.html`, which the browser inserts as HTML with no Markdown step. Whatever
the parser makes of hostile input, the sanitizer is the guarantee. `$` is text, never LaTeX.

Streamlit widgets that only take Markdown (st.error, st.caption, labels) get `md_escape`: every
ASCII punctuation character backslash-escaped, so no Markdown or HTML construct can start.
"""
from __future__ import annotations

import html
import re
import string

import nh3
from markdown_it import MarkdownIt

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
ALLOWED_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code",
                "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
LINK_SCHEMES = {"http", "https", "mailto"}
# Colours derive from the inherited text colour, so one stylesheet suits the light and dark themes.
# Table cells wrap only between words: a wide table scrolls sideways (on a phone too) instead of
# being squeezed letter by letter or cut off.
STYLE = """<style>
.gv-md{line-height:1.6;overflow-wrap:anywhere}
.gv-md>:first-child{margin-top:0}.gv-md>:last-child{margin-bottom:0}
.gv-md p,.gv-md ul,.gv-md ol,.gv-md pre,.gv-md table,.gv-md blockquote{margin:0 0 1rem}
.gv-md li>p{margin:0}
.gv-md h1,.gv-md h2,.gv-md h3,.gv-md h4,.gv-md h5,.gv-md h6{margin:1.25rem 0 .5rem;font-weight:600;line-height:1.3;padding:0}
.gv-md h1{font-size:2rem}.gv-md h2{font-size:1.6rem}.gv-md h3{font-size:1.3rem}.gv-md h4,.gv-md h5,.gv-md h6{font-size:1rem}
.gv-md code{font-family:"Source Code Pro",monospace;font-size:.875em;background:rgba(128,128,128,.15);padding:.1em .3em;border-radius:.25rem}
.gv-md pre{background:rgba(128,128,128,.12);padding:1rem;border-radius:.5rem;overflow-x:auto}
.gv-md pre code{background:none;padding:0;white-space:pre}
.gv-md table{border-collapse:collapse;display:block;overflow-x:auto;max-width:100%}
.gv-md th,.gv-md td{border:1px solid rgba(128,128,128,.35);padding:.3rem .75rem;text-align:left;overflow-wrap:normal;min-width:4rem}
.gv-md blockquote{border-left:.25rem solid rgba(128,128,128,.45);padding-left:1rem;margin-left:0}
.gv-md pre.gv-plain{white-space:pre-wrap;font-family:inherit;background:none;padding:0}
.gv-md hr{border:0;border-top:1px solid rgba(128,128,128,.35)}
</style>"""

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable(["table", "strikethrough"])


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """An image is shown as a link to it: the reader sees it was there, the browser loads nothing."""
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
    return f'<a href="{html.escape(token.attrGet("src") or "", quote=True)}">🖼 {html.escape(alt)}</a>'


_parser.add_render_rule("image", _image_as_link)


def markdown_html(text: str) -> str:
    """Sanitized HTML for untrusted Markdown (an answer, a prompt): nothing in it loads a resource."""
    rendered = _parser.render(text or "")
    return nh3.clean(rendered, tags=ALLOWED_TAGS, clean_content_tags={"script", "style"},
                     attributes=ALLOWED_ATTRIBUTES, url_schemes=LINK_SCHEMES,
                     link_rel="noopener noreferrer nofollow", set_tag_attribute_values={"a": {"target": "_blank"}})


def markdown_block(text: str) -> str:
    """The body handed to `st.html`: our fixed stylesheet plus the sanitized HTML in a `.gv-md` box.

    Always starts with "<": `st.html` treats a short string without one as a file path to read."""
    return f'{STYLE}<div class="gv-md">{markdown_html(text)}</div>'


def plain_block(text: str) -> str:
    """The text exactly as it is (no Markdown), for "Show all": cheap at any length."""
    return f'{STYLE}<div class="gv-md"><pre class="gv-plain">{html.escape(text or "")}</pre></div>'


def md_escape(text: str) -> str:
    """Plain text for a Markdown-only widget (st.error, st.caption, labels): shown literally."""
    return _PUNCTUATION.sub(r"\\\1", str(text))
