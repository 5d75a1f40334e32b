"""Known ways to make Markdown renderers load a remote resource, aimed at a tracker URL `T`.

Shared by the Python check of ui/safe_markdown.py and the Chromium check of every view
(tests/reliability/test_inert_output_browser.py). `corpus(t)` puts the tracker's URL in each.
"""
from __future__ import annotations

TEMPLATES = [
    "plain ![md](T/md.png)",
    "escaped backticks \\`![eb](T/eb.png)\\`",
    "tildes mid-line a ~~~ b ![tl](T/tl.png) c ~~~",
    "autolink with a backtick <T/`![al](T/al.png)`>",
    "reference style ![ref][r1] and ![ref2]\n\n[r1]: T/ref.png\n[ref2]: T/ref2.png",
    "nested [a ![nb](T/nb.png)](T/nest) and ![![x](T/nn.png)](T/nn2.png)",
    "entities &lt;img src=T/ent.png&gt; &#60;img src=T/ent2.png&#62; &#x21;[e](T/ent3.png)",
    "<img src=\"T/img.png\" onerror=\"alert('img')\">",
    "<svg><image href=\"T/svg.png\"/></svg><svg onload=\"alert('svg')\"></svg>",
    "<iframe src=\"T/frame\"></iframe>",
    "<video poster=\"T/poster.png\" src=\"T/video.mp4\"></video><audio src=\"T/audio.mp3\"></audio>",
    "<link rel=\"stylesheet\" href=\"T/link.css\"><link rel=\"prefetch\" href=\"T/prefetch\">",
    "<style>@import url(T/import.css); body{background:url(T/bg.png)}</style>",
    "<div style=\"background:url(T/style.png)\">styled</div>",
    "<picture><source srcset=\"T/src.png\"></picture><img srcset=\"T/srcset.png 2x\">",
    "<object data=\"T/obj\"></object><embed src=\"T/embed\">",
    "<script src=\"T/script.js\"></script><script>new Image().src='T/js.png'</script>",
    "<input type=image src=\"T/input.png\"><body background=\"T/body.png\">",
    "math $\\href{T/href}{x}$ and $\\includegraphics{T/graphic.png}$ and $$\\url{T/url}$$",
    "prices $5 and $10 and $\\text{x}$",
    "[js](javascript:alert('js')) [d](data:text/html,<img src=T/data.png>) ![di](data:image/svg+xml,<svg/>)",
    "look-alike ！[fw](T/fw.png) and \u200b![zw](T/zw.png) and !\u200b[zw2](T/zw2.png)",
    "unclosed fence\n```\n![in](T/in.png)\n\n```` ![after](T/after.png)",
    "~~~\n![fenced](T/fenced.png)\n~~~\n![out](T/out.png)",
    "    indented ![ind](T/ind.png)\n\n> quote ![q](T/q.png)\n> - list ![li](T/li.png)",
    "| a | b |\n|---|---|\n| ![cell](T/cell.png) | <img src=T/cell2.png> |",
    "html block\n<div>\n\n![hb](T/hb.png)\n\n</div>",
    "<!-- comment ![cm](T/cm.png) --> <![CDATA[ ![cd](T/cd.png) ]]>",
    ":material/image: :red[![col](T/col.png)] :smile:",
    "link with title [t](T/title \"![x](T/tt.png)\") and <T/auto.png>",
]


def corpus(tracker_url: str) -> list[str]:
    return [t.replace("T/", tracker_url + "/") for t in TEMPLATES]
