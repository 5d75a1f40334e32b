"""Our same-origin page helper (ui/page.js) on the Generate pages, and the live view's routes' twin.

`st.html(..., unsafe_allow_javascript=True)` re-creates a `<script src>` so that it runs; the
source is the app's own `live/page.js` (ui/livestream.py serves it), which the
Content-Security-Policy admits as 'self'. The body is fixed markup: nothing from a record.
What it does per role: "form" keeps the typed prompt across a reload (session storage);
"generation" wires the copy-id button and makes the sidebar's Generate link open a new form.
"""
from __future__ import annotations

import html

import streamlit as st

from .liveurls import PAGE_SCRIPT, script_href

HIDE = "<style>\n.gv-page{display:none}\n.st-key-gv_page_script{display:none}\n</style>"


def page_script(role: str, **data: str) -> None:
    attrs = "".join(f' data-{name}="{html.escape(str(value), quote=True)}"' for name, value in data.items())
    with st.container(key="gv_page_script"):
        st.html(f'{HIDE}<div class="gv-page" data-role="{html.escape(role)}"{attrs}></div>'
                f'<script src="{script_href(PAGE_SCRIPT)}"></script>', unsafe_allow_javascript=True)
