"""ui.render: exact cost strings and Markdown that can't make the browser fetch anything."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ui.render import ago, format_cost, format_ms, md_escape, safe_markdown


@pytest.mark.parametrize("value, shown", [
    (Decimal("0.000123000000000000"), "$0.000123"), (Decimal("0E-18"), "$0"), (None, "unpriced"),
    (Decimal("12.5"), "$12.5"), (Decimal("0.000000012345678901"), "$0.000000012345678901"),
    (0.0042, "$0.0042"), (float("nan"), "unpriced"), (Decimal("1E+2"), "$100"),
])
def test_costs_are_exact_and_never_rounded_to_cents(value, shown):
    assert format_cost(value) == shown


def test_estimated_costs_say_so():
    assert format_cost(Decimal("0.01"), estimated=True) == "$0.01 (estimated)"


@pytest.mark.parametrize("text", [
    "look ![cat](http://evil.example/cat.png) here",
    "ref ![cat][1]\n\n[1]: http://evil.example/cat.png",
    "escaped \\![cat](http://evil.example/cat.png)",
    "nested ![a ![b](http://x/y.png)](http://evil.example/z.png)",
])
def test_markdown_images_become_links(text):
    out = safe_markdown(text)
    assert "![" not in out and "evil.example" in out


def test_raw_html_tags_are_shown_as_text_but_code_is_left_alone():
    out = safe_markdown('<img src="http://evil.example/x.png"> and `![x](y)` and\n```\n<img src=z>\n```')
    assert out.startswith('&lt;img src=') and "`![x](y)`" in out and "```\n<img src=z>\n```" in out
    assert safe_markdown("a < b and <https://example.com>") == "a < b and <https://example.com>"


def test_small_formatters():
    assert format_ms(None) == "—" and format_ms(250) == "250 ms" and format_ms(1500) == "1.50 s"
    assert ago(timedelta(seconds=1)) == "1 second" and ago(timedelta(hours=3, minutes=2)) == "3 hours"
    assert md_escape("a_b*c") == "a\\_b\\*c"
