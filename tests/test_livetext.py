"""The live view's Markdown steps (ui/livetext.py): finished blocks sent once, the open block
re-rendered with unfinished markup closed or hidden, at every length of a growing answer."""
from __future__ import annotations

import html
import re

from ui.livetext import LiveMarkdown, close_open, stable_end

DOC = """# Title

**This really matters**: the *first* point, with `code` and a [link](https://example.com/x).

- one **bold** item
- two ~~struck~~ items

1. First

   continued paragraph

2. Second

```python
x = 1

y = 2
```

| a | b |
|---|---|
| 1 | 2 |

Done with __under__ and snake_case_names and a * b * c.
"""


def visible(fragment: str) -> str:
    """The text a reader sees outside code (code may legitimately show `*` or backticks)."""
    without_code = re.sub(r"<code[^>]*>.*?</code>", " ", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", without_code))


def test_unfinished_markup_is_closed_or_hidden():
    assert close_open("**This re") == "**This re**"
    assert close_open("Use `GROUP B") == "Use `GROUP B`"
    assert close_open("a *very* **bold *and it") == "a *very* **bold *and it***"
    assert close_open("see [the docs](https://duck") == "see"
    assert close_open("see [the do") == "see"
    assert close_open("text **") == "text"
    assert close_open("```sql\nSELECT 1;\n``") == "```sql\nSELECT 1;\n```"
    assert close_open("* item one\n* item *two") == "* item one\n* item *two*"
    assert close_open("snake_case_name") == "snake_case_name"


def test_no_prefix_of_a_markdown_answer_shows_raw_syntax():
    renderer = LiveMarkdown(10_000)
    shown: list[str] = []
    for end in range(1, len(DOC) + 1):
        for event in renderer.update(DOC[:end]):
            if event["t"] == "block":
                shown.append(event["html"])
            elif event["t"] == "tail":
                text = visible("".join(shown) + event["html"])
                assert "**" not in text and "`" not in text and "](" not in text and "~~" not in text, (end, text)


def test_each_finished_block_is_sent_once_and_together_they_are_the_text():
    renderer, sizes = LiveMarkdown(10_000), []
    for end in range(1, len(DOC) + 1):
        sizes += [e["n"] for e in renderer.update(DOC[:end]) if e["t"] == "block"]
    assert len(sizes) >= 5 and sum(sizes) == stable_end(DOC)
    assert DOC[stable_end(DOC):].startswith("Done with")  # the last block stays open


def test_a_code_fence_and_an_indented_continuation_are_never_split():
    text = "```\na\n\nb\n```\n\n1. item\n\n   more\n\nnext\n"
    cut = stable_end(text)
    assert text[cut:] == "next\n"
    renderer = LiveMarkdown(10_000)
    steps = renderer.update(text[:9])  # inside the fence, after its blank line
    assert [e["t"] for e in steps] == ["reset", "tail"] and "<pre>" in steps[-1]["html"]


def test_a_long_answer_shows_a_bounded_window_and_restarts_when_the_text_does():
    renderer = LiveMarkdown(1_000)
    long = "\n\n".join(f"Paragraph {i} " + "word " * 40 for i in range(60))
    first = renderer.update(long)
    assert first[0]["t"] == "reset" and first[0]["skipped"] > len(long) - 1_000 - 300
    assert sum(len(visible(e.get("html", ""))) for e in first) < 1_500
    assert renderer.update("Fresh start")[0] == {"t": "reset", "skipped": 0}  # a retry reset the text
    one_paragraph = "word " * 5_000  # no block boundary at all: still bounded
    assert len(visible(LiveMarkdown(1_000).update(one_paragraph)[-1]["html"])) <= 1_000
