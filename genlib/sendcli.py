"""The command line's sending commands: `generate` (text or image, streamed to the terminal) and
`image` (a generation's picture to a file). cli.py parses the arguments and opens the Vault.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .api import Vault
from .cliout import EXIT_ERROR, EXIT_NOT_FOUND, cli_user, public_url, say, tokens
from .errors import NotFound
from .money import format_usd as money  # exact, zeros trimmed, or "unpriced"
from .records import COMPLETE, IMAGE, TEXT, GenerationRequest
from .run.live import RESTART
from .vision import from_file


def cmd_generate(vault: Vault, args) -> int:
    kind = IMAGE if args.image else TEXT
    params = {"temperature": args.temperature, "max_tokens": args.max_tokens, "size": args.size}
    model = args.model or _default_model(vault, kind)
    _say_if_offline_stands_in(vault, model)
    # undecodable bytes become lone surrogates, which check_request refuses with a clear message
    prompt = sys.stdin.buffer.read().decode("utf-8", "surrogateescape") if args.prompt == "-" else args.prompt
    request = GenerationRequest(prompt=prompt, model=model, kind=kind, system_prompt=args.system,
                                params={k: v for k, v in params.items() if v is not None},
                                attachments=tuple(from_file(p) for p in args.attach))
    gen_id = vault.start(request, user_id=cli_user(), force=args.force)
    say(f"id: {gen_id}", file=sys.stderr)
    say(f"open: {public_url(gen_id)}", file=sys.stderr)
    try:
        for text in vault.follow(gen_id):
            if text is RESTART:  # a followed identical request failed: this one answers on its own
                say("\n[the identical request it followed failed; answering anew]\n", file=sys.stderr)
            say(text, end="", flush=True)
    except KeyboardInterrupt:
        vault.cancel(gen_id)
    gen = vault.wait(gen_id, timeout=60)
    print()
    for index, image in enumerate(gen.images):
        say(f"image: {_image_place(vault, gen.id, index, image['path'])}")
    note = f" (from cache: {gen.cached_from})" if gen.cached_from else ""
    say(f"{gen.status} · {gen.model_used or gen.model_requested} · {tokens(gen)} · "
          f"{money(gen.cost_usd)}{note} · id {gen.id}", file=sys.stderr)
    if gen.error:
        say(f"error: {gen.error}", file=sys.stderr)
    return 0 if gen.status == COMPLETE else EXIT_ERROR


def _say_if_offline_stands_in(vault: Vault, model: str) -> None:
    """Offline, a model the demo doesn't have is answered by the demo anyway: say so, once, on stderr."""
    if getattr(vault.provider, "offline", False) and model not in vault.models():
        say(f"genlib: offline mode (no OPENAI_API_KEY or OPENAI_BASE_URL set): {model!r} is not called; "
            f"the offline demo model answers instead (not a real model, $0).", file=sys.stderr)


def _image_place(vault: Vault, gen_id: str, index: int, path: str) -> str:
    """The picture's file, or (an object store keeps none here) the command that fetches it."""
    try:
        return str(vault.image_file(path))
    except NotFound:
        return f"in the object store: python -m genlib image {gen_id} --index {index} --out FILE"


def cmd_image(vault: Vault, args) -> int:
    """Write a generation's picture (from whichever image store keeps it) to a file."""
    gen = vault.get(args.id)
    if gen is None or not 0 <= args.index < len(gen.images):
        say(f"genlib: generation {args.id[:40]!r} has no picture {args.index}", file=sys.stderr)
        return EXIT_NOT_FOUND
    data = vault.image_bytes(gen.images[args.index]["path"])
    out = Path(args.out).expanduser()
    try:
        out.write_bytes(data)
    except OSError as exc:
        say(f"genlib: can't write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    say(f"{out} ({len(data):,} bytes)")
    return 0


def _default_model(vault: Vault, kind: str) -> str:
    models = vault.models()
    wanted = [m for m in models if ("image" in m) == (kind == IMAGE)]
    return (wanted or models)[0]
