"""The URL contract of the app's file routes: the paths served (ui/routes.py) and the links to them.

Links are relative (`files/...`): every page lives at the top level (`/generate`, `/image`), so
they resolve beside the pages under any `server.baseUrlPath`.
"""
from __future__ import annotations

RECORD = "files/record/{gen_id}.json"
ANSWER = "files/answer/{gen_id}.md"
IMAGE = "files/image/{gen_id}/{index:int}"
ATTACHMENT = "files/attachment/{gen_id}/{sha256}"  # an image attached to the prompt (ui/attachments.py links)
EXPORT = "files/export/{export_id}/{name}"
BATCH = "files/batch/{job_id}/{fmt}"  # a batch job's results (ui/batchfiles.py)
SETTINGS = "files/settings/{name}.toml"  # the budgets or prices document (admins: ui/settingsfiles.py)


def record_href(gen_id: str) -> str:
    return RECORD.format(gen_id=gen_id)


def answer_href(gen_id: str) -> str:
    return ANSWER.format(gen_id=gen_id)


def image_href(gen_id: str, index: int, download: bool = False) -> str:
    return f"files/image/{gen_id}/{index}" + ("?download=1" if download else "")


def export_href(export_id: str, name: str) -> str:
    return EXPORT.format(export_id=export_id, name=name)


def settings_href(name: str) -> str:
    return SETTINGS.format(name=name)


def route_path(pattern: str, base_path: str = "") -> str:
    """The Starlette path of a pattern under the configured base path ("" or "/base")."""
    base = base_path.strip("/")
    return f"/{base}/{pattern}" if base else f"/{pattern}"
