"""GenVault: every AI generation a durable, addressable, costed record.

Entry point for `streamlit run app.py`: page config, the navigation (URL contract in ui/nav.py),
the sign-in gate when `[auth]` is configured, then the current page.
"""
import logging

import streamlit as st

from ui.auth import require_viewer, sidebar_identity
from ui.nav import build_pages

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(layout="wide")  # no page_title/icon here: each st.Page's own title and icon show
page = st.navigation(build_pages(), position="sidebar")
viewer = require_viewer()  # stops the run with a sign-in screen when auth is on and nobody is signed in
sidebar_identity(viewer)
page.run()
