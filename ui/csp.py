"""The Content-Security-Policy on the app's pages: nothing rendered may load from another origin.

Defence in depth behind the inert rendering of answers, prompts and errors: even if some text
became an `<img>`, `<iframe>` or `<link>`, the browser refuses any other origin. The policy is the
tightest Streamlit 1.67's frontend runs under (checked in Chromium on every page): scripts only
from the app plus the hash of index.html's one inline script (and WebAssembly compilation),
inline styles (Emotion injects `<style>` tags at run time), images and media from the app or
data:/blob: URIs.
"""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import streamlit

INDEX_HTML = Path(streamlit.__file__).parent / "static" / "index.html"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions allowing exactly the inline scripts of this page."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in INLINE_SCRIPT.findall(html)]


def build_policy(script_hashes: list[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        # 'wasm-unsafe-eval' compiles WebAssembly only (no JS eval): protobuf's Long probes it on load
        "script-src": ["'self'", "'wasm-unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],  # CSP 3: 'self' also covers the same host's ws:/wss:
        "frame-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def app_policy() -> str:
    try:
        html = INDEX_HTML.read_text(encoding="utf-8")
    except OSError:  # no bundled frontend: nothing inline to allow
        html = ""
    return build_policy(inline_script_hashes(html))


class ContentSecurityPolicy:
    """ASGI middleware: adds the policy to every HTML response that doesn't set its own."""

    def __init__(self, app, policy: str | None = None):
        self.app = app
        self.header = (policy or app_policy()).encode("latin-1")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.header))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_policy)
