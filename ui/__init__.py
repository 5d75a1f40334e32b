"""App-layer helpers for the Streamlit UI: the only package (with pages/) that imports streamlit.

Pages stay thin and call into these modules; all data access goes through genlib's `Vault`.
"""
