"""The app's own file routes (mounted by app.py through `st.App`): records, answers and images.

    GET /files/record/<id>.json          the record as JSON (attachment)
    GET /files/answer/<id>.md            a text generation's answer (attachment)
    GET /files/image/<id>/<n>            the n-th saved picture (inline; `?download=1`: attachment)
    GET /files/attachment/<id>/<sha256>  an image attached to that generation's prompt (inline)
    GET /files/export/<id>/<name>        a History export the same viewer saved (streamed from disk)
    GET /files/settings/<name>.toml      the budgets or prices in force (admins; ui/settingsfiles.py)
    GET /files/batch/<job id>/<format>   a batch job's results, csv|jsonl|parquet (ui/batchfiles.py)

Each request is checked like the page: with sign-in on, only the owner (or an admin) signed in
by Streamlit's cookie gets the bytes; anything else - no cookie, logged out, someone else's, a
malformed id or index, a missing file - is the same 404, so ids can't be probed. Bytes are read
from the Vault on every request (no per-session memory), so any replica can answer.
"""
from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from genlib import SETTINGS_BUDGETS, SETTINGS_PRICES, TEXT, Generation, NotFound, is_sha256, looks_like_id

from .batchfiles import FORMATS as BATCH_FORMATS, results_bytes

from .exports import FILE_NAMES, owned_export
from .fileurls import ANSWER, ATTACHMENT, BATCH, EXPORT, IMAGE, RECORD, SETTINGS, route_path
from .images import extension_of, load_image, mime_of
from .requestauth import request_viewer
from .vault import get_vault

log = logging.getLogger("genvault.files")
# Bytes a browser must never render as a page, sniff, keep after logout or let script anything.
ATTACHMENT_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                "Content-Security-Policy": "default-src 'none'; sandbox"}


def file_routes(base_path: str = "") -> list[Route]:
    return [Route(route_path(RECORD, base_path), record_file, methods=["GET"]),
            Route(route_path(ANSWER, base_path), answer_file, methods=["GET"]),
            Route(route_path(IMAGE, base_path), image_file, methods=["GET"]),
            Route(route_path(ATTACHMENT, base_path), attachment_file, methods=["GET"]),
            Route(route_path(EXPORT, base_path), export_download, methods=["GET"]),
            Route(route_path(SETTINGS, base_path), settings_file, methods=["GET"]),
            Route(route_path(BATCH, base_path), batch_file, methods=["GET"])]


def record_file(request: Request) -> Response:
    gen, failure = visible_generation(request)
    if gen is None:
        return failure
    body = json.dumps(gen.to_dict(), indent=2, ensure_ascii=False).encode()
    return file_response(body, "application/json; charset=utf-8", f"{gen.id}.json", attachment=True)


def answer_file(request: Request) -> Response:
    gen, failure = visible_generation(request)
    if gen is None or gen.kind != TEXT:
        return failure or not_found()
    return file_response((gen.result_text or "").encode(), "text/markdown; charset=utf-8",
                         f"{gen.id}.md", attachment=True)


def image_file(request: Request) -> Response:
    gen, failure = visible_generation(request)
    index = request.path_params["index"]  # the `int` converter admits digits only
    if gen is None or index >= len(gen.images):
        return failure or not_found()
    data, problem = load_image(get_vault(), gen.images[index].get("path"))
    if problem:
        return not_found()
    download = request.query_params.get("download") == "1"
    return file_response(data, mime_of(data), f"{gen.id}-{index}.{extension_of(data)}", attachment=download)


def attachment_file(request: Request) -> Response:
    """An image attached to a generation the viewer may see, named by its sha256 (checked, and
    only one the record lists): the same 404 for anything else."""
    sha256 = request.path_params["sha256"]
    gen, failure = visible_generation(request) if is_sha256(sha256) else (None, not_found())
    if gen is None:
        return failure
    meta = next((a for a in gen.attachments if a.get("sha256") == sha256), None)
    try:
        data = get_vault().attachment_bytes(gen, sha256)
    except NotFound:
        return not_found()
    except Exception:  # noqa: BLE001 - a storage failure is said plainly, never a traceback
        log.exception("file route: reading an attachment failed")
        return unavailable()
    mime = meta.get("mime") if meta and meta.get("mime") in ATTACHMENT_TYPES else "application/octet-stream"
    return file_response(data, mime, f"{gen.id}-{sha256[:12]}.{mime.rsplit('/', 1)[-1]}", attachment=False)


def export_download(request: Request) -> Response:
    """A saved export, streamed from its file (an export can be gigabytes), to whoever made it."""
    viewer = request_viewer(request)
    name = request.path_params["name"]
    try:
        path = owned_export(get_vault(), viewer, request.path_params["export_id"], name) if viewer else None
    except Exception:  # noqa: BLE001 - a storage failure is said plainly, never a traceback
        log.exception("file route: opening the vault failed")
        return unavailable()
    if path is None:
        return not_found()
    headers = {**BASE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return FileResponse(path, media_type=FILE_NAMES[name], headers=headers)


def settings_file(request: Request) -> Response:
    """The budgets or prices in force as a TOML file, to admins only (404 for anyone else)."""
    name, viewer = request.path_params["name"], request_viewer(request)
    if name not in (SETTINGS_BUDGETS, SETTINGS_PRICES) or viewer is None or not viewer.is_admin:
        return not_found()
    try:
        doc = get_vault().settings_document(name)
    except Exception:  # noqa: BLE001 - a storage failure is said plainly, never a traceback
        log.exception("file route: reading the %s failed", name)
        return unavailable()
    if doc.text is None:
        return not_found()
    return file_response(doc.text.encode("utf-8"), "application/toml; charset=utf-8", f"{name}.toml", attachment=True)


def batch_file(request: Request) -> Response:
    """A batch job's results (partial too), made now from the database, for whoever may see the job."""
    viewer, job_id, fmt = request_viewer(request), request.path_params["job_id"], request.path_params["fmt"]
    if viewer is None or fmt not in BATCH_FORMATS or not looks_like_id(job_id):
        return not_found()
    try:
        data = results_bytes(get_vault(), job_id, fmt, viewer.visible_to)
    except NotFound:
        return not_found()
    except Exception:  # noqa: BLE001 - a storage failure is said plainly, never a traceback
        log.exception("file route: exporting batch %s failed", job_id)
        return unavailable()
    return file_response(data, BATCH_FORMATS[fmt], f"batch-{job_id}.{fmt}", attachment=True)


def visible_generation(request: Request) -> tuple[Generation | None, Response | None]:
    """(the generation, None) when this request may see it; else (None, the response to send)."""
    viewer = request_viewer(request)
    if viewer is None:
        return None, not_found()
    try:
        gen = get_vault().get(request.path_params["gen_id"], viewer.visible_to)  # checks the id's shape
    except Exception:  # noqa: BLE001 - a storage failure is said plainly, never a traceback
        log.exception("file route: reading the vault failed")
        return None, unavailable()
    return (gen, None) if gen is not None else (None, not_found())


def unavailable() -> Response:
    return Response("The vault is unavailable right now.", 503, headers=BASE_HEADERS, media_type="text/plain")


def not_found() -> Response:
    return Response("Not found", 404, headers=BASE_HEADERS, media_type="text/plain")


def file_response(body: bytes, media_type: str, filename: str, attachment: bool) -> Response:
    """`filename` is built from a checked id and index only ([A-Za-z0-9_-], digits, an extension)."""
    disposition = "attachment" if attachment else "inline"
    headers = {**BASE_HEADERS, "Content-Disposition": f'{disposition}; filename="{filename}"'}
    return Response(body, 200, headers=headers, media_type=media_type)
