"""Images attached to a prompt (vision input): the Generate form's uploader, the thumbnails on the
generation page (served by the app's own attachment route, which checks the viewer like every
file route) and History's small preview of the first one.

Uploaded files become `Attachment`s (checked by their bytes, named by sha256) on submit; a bad file
is refused then like a bad prompt. A follow-up sends its own images; earlier turns' go as text only.
"""
from __future__ import annotations

import base64
import io

import streamlit as st
from PIL import Image

from genlib import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, TEXT, Attachment, Generation, NotFound, attachment_from_bytes

from .render import md_escape

UPLOAD_KEY = "attachments"  # the Generate form's uploader
FOLLOW_UP_KEY = "follow_up_images"  # the Continue form's
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "gif"]
THUMB_SIDE = 96  # History's preview: small, and made once per image (st.cache_data, by content)


def attachment_href(gen_id: str, sha256: str) -> str:
    return f"files/attachment/{gen_id}/{sha256}"


def uploader(kind: str, key: str = UPLOAD_KEY) -> None:
    """The uploader, for text prompts only (image generation takes no images)."""
    if kind != TEXT:
        return
    st.file_uploader(f"Images (for models that accept them; up to {MAX_ATTACHMENTS})", type=UPLOAD_TYPES,
                     accept_multiple_files=True, key=key, max_upload_size=MAX_ATTACHMENT_BYTES // 2**20,
                     help="Sent with the prompt to a vision model; stored with the generation by content (sha256).")


def uploaded(kind: str, key: str = UPLOAD_KEY) -> tuple[Attachment, ...]:
    """The uploaded files as attachments; BadRequest (naming the file) for one that is not an image."""
    files = (st.session_state.get(key) or []) if kind == TEXT else []
    return tuple(attachment_from_bytes(f.getvalue(), f"“{f.name[:80]}”") for f in files)


def show_attachments(gen: Generation) -> None:
    """The attached images as a row of thumbnails, under the prompt."""
    if not gen.attachments:
        return
    columns = st.columns(max(4, len(gen.attachments)))
    for column, (index, meta) in zip(columns, enumerate(gen.attachments)):
        with column.container(key=f"attachment_{index}"):
            alt = md_escape(f"Attached image {index + 1}")
            st.markdown(f"![{alt}]({attachment_href(gen.id, meta.get('sha256', ''))})")
            st.caption(f"{meta.get('width', '?')}×{meta.get('height', '?')} · {_size(meta.get('bytes') or 0)}")


def attachment_preview(vault, gen: Generation) -> str | None:
    """A data: URI of a small thumbnail of the first attached image (History's Image column)."""
    if not gen.attachments:
        return None
    return _thumb_uri(vault, gen, gen.attachments[0].get("sha256", ""))


@st.cache_data(max_entries=500, show_spinner=False)
def _thumb_uri(_vault, _gen: Generation, sha256: str) -> str | None:
    # Keyed by content: the same bytes make the same thumbnail whoever attached them; the caller
    # only passes records the viewer may see.
    try:
        with Image.open(io.BytesIO(_vault.attachment_bytes(_gen, sha256))) as image:
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            buf = io.BytesIO()
            image.convert("RGB").save(buf, format="WEBP", quality=75)
    except (NotFound, OSError, ValueError):
        return None
    return "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode()


def _size(count: int) -> str:
    return f"{count / 1024:.0f} kB" if count < 1024 * 1024 else f"{count / 2**20:.1f} MB"
