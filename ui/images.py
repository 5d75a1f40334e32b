"""Reading saved images back for display: checked, so a missing or corrupt file is reported, not raised.

Pictures are served from the files genlib saved under the data dir (never from provider URLs),
which is why they survive reloads and open by URL in a fresh browser.
"""
from __future__ import annotations

import base64
import io

import streamlit as st
from PIL import Image

from genlib import IMAGE, NotFound

from .fileurls import image_href
from .nav import link_to_generation, not_found
from .render import md_escape


def load_image(vault, relpath: str | None) -> tuple[bytes | None, str | None]:
    """(bytes, None) for a readable image; (None, reason) when the file is missing or corrupt."""
    try:
        data = vault.image_bytes(relpath or "")
    except (NotFound, OSError):
        return None, "The image file is missing from the data dir."
    try:
        Image.open(io.BytesIO(data)).verify()
    except Exception:  # noqa: BLE001 - PIL raises many types for bad bytes
        return None, "The image file is corrupt and can't be shown."
    return data, None


def mime_of(data: bytes) -> str:
    return "image/webp" if data[8:12] == b"WEBP" else "image/png"


def extension_of(data: bytes) -> str:
    return "webp" if mime_of(data) == "image/webp" else "png"


def thumbnail_uri(vault, gen) -> str | None:
    """A data: URI of the first thumbnail, for the history table (no file server needed)."""
    if not gen.images:
        return None
    data, _ = load_image(vault, gen.images[0].get("thumb"))
    if data is None:
        return None
    return f"data:{mime_of(data)};base64,{base64.b64encode(data).decode()}"


def show_image(gen_id: str, index: int, caption: str | None = None) -> None:
    """The picture as an `<img>` on the app's own file route, which checks the sign-in on every
    request (st.image(bytes) would put it on Streamlit's /media, open to anyone with the URL)."""
    alt = md_escape(caption or f"Image {index + 1}")
    st.markdown(f"![{alt}]({image_href(gen_id, index)})")
    if caption:
        st.caption(caption)


def show_image_page(vault, viewer, gen_id: str | None) -> None:
    """`/image?id=<id>`: the picture alone, with a download link and a way to the full record."""
    gen = vault.get(gen_id or "", viewer.visible_to)
    if gen is None:
        not_found("Image")
        return
    if not gen.images:
        st.warning("This generation has no saved image." if gen.kind == IMAGE else
                   "This generation is text, not an image.", icon=":material/hide_image:")
    for index, meta in enumerate(gen.images):
        _, problem = load_image(vault, meta.get("path"))
        if problem:
            st.error(problem, icon=":material/broken_image:")
            continue
        # above the picture: a large one would push the button below the fold
        st.link_button("Download image", image_href(gen.id, index, download=True), icon=":material/download:")
        show_image(gen.id, index)
    link_to_generation(gen.id, "Open the full generation", icon=":material/article:")
