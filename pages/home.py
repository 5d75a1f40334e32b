"""`/`: forwards to `/generate` with the same query parameters, so `/?id=<id>` opens a generation.

(The default page only answers at `/`; Generate needs its own stable `/generate?id=` URL.)
"""
import streamlit as st

from ui.nav import GENERATE, ensure_app_navigation

ensure_app_navigation()
st.switch_page(GENERATE, query_params=st.query_params.to_dict())
