"""GenVault: every AI generation a durable, addressable, costed record.

Entry point for `streamlit run app.py`. Streamlit finds the `st.App` below and serves it: the
app's own file routes (ui/routes.py), the live view's event stream (ui/livestream.py) and the Content-Security-Policy (ui/csp.py) around
Streamlit's server. Each session then runs this file as its script (`__name__ == "__main__"`):
page config, a share link's page (ui/sharepage.py, open to anyone holding the link), the navigation
(URL contract in ui/nav.py), the sign-in gate when `[auth]` is configured, then the current page.
"""
import logging

import streamlit as st


def run_page() -> None:
    from ui.auth import require_viewer, sidebar_identity
    from ui.nav import build_pages
    from ui.sharepage import share_token, show_share_page

    # The icon is an emoji (a data: URI favicon), set before st.navigation so the pages' Material
    # icons don't become the favicon: those load from fonts.gstatic.com, another origin, which the
    # Content-Security-Policy (ui/csp.py) refuses.
    st.set_page_config(layout="wide", page_icon="🗃️")
    if share_token() is not None:  # a share link: before the sign-in gate, and no navigation at all
        st.navigation([st.Page(show_share_page, title="Shared generation", default=True)], position="hidden").run()
        return
    page = st.navigation(build_pages(), position="sidebar")
    # Each run names the tab after its page again: a generation's page titles it with its prompt
    # (ui/generation.py), and Streamlit would otherwise keep that title on the next page.
    st.set_page_config(page_title=page.title)
    viewer = require_viewer()  # stops the run with a sign-in screen when auth is on and nobody is signed in
    sidebar_identity(viewer)
    page.run()


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
if __name__ == "__main__":  # a session's script run (Streamlit and AppTest run it as __main__)
    run_page()
else:  # `streamlit run app.py` imports this module to serve the ASGI app below
    from starlette.middleware import Middleware

    from ui.csp import ContentSecurityPolicy
    from ui.livestream import live_routes
    from ui.routes import file_routes

    base_path = st.get_option("server.baseUrlPath")
    app = st.App("app.py", routes=file_routes(base_path) + live_routes(base_path),
                 middleware=[Middleware(ContentSecurityPolicy)])
