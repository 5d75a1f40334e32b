"""What the offline demo model says and draws: a deterministic Markdown answer per prompt and
sampling parameters, its token pieces and counts, and a prompt-seeded Pillow image.

Like a real model, the wording follows `temperature` and `seed`: the same prompt, temperature and
seed give the same answer; another temperature or seed gives another one (and says which it used).

Pure functions (no I/O, no clock); `genlib/providers/offline.py` wraps them in the OpenAI wire format.
"""
from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import re
import textwrap

from PIL import Image, ImageDraw, ImageFont

STOPWORDS = frozenset("""about after again also because been before being below between both could does doing
down during each from further have having here into just more most only other over same should some such than
that their them then there these they this those through under until very what when where which while with would
your yours please write tell give make explain list show need want like the and for are but not you all can was
one our out why how who its has had any may use get got let did few own too via per""".split())
# A token is about four characters of English: short words, number runs, or one symbol.
TOKEN_PATTERN = re.compile(r"\s*[A-Za-z]{1,6}|\s*\d{1,3}|\s*[^\sA-Za-z\d]|\s+")
IMAGE_TOKENS_1024 = {"low": 272, "medium": 1056, "high": 4160}  # gpt-image-1's published table


def split_tokens(text: str) -> list[str]:
    """Token-sized pieces whose concatenation is exactly `text`."""
    return TOKEN_PATTERN.findall(text)


def estimate_prompt_tokens(messages: list[dict]) -> int:
    """OpenAI's chat accounting: ~4 tokens of framing per message plus 3 to prime the reply."""
    return 3 + sum(4 + len(split_tokens(str(m.get("content") or ""))) for m in messages)


def image_output_tokens(width: int, height: int, quality: str | None) -> int:
    per_1024 = IMAGE_TOKENS_1024.get(quality or "medium", IMAGE_TOKENS_1024["medium"])
    return max(1, round(per_1024 * width * height / (1024 * 1024)))


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _keywords(text: str, limit: int = 3) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text)]
    ranked = sorted(set(words) - STOPWORDS, key=lambda w: (-words.count(w), words.index(w)))
    return ranked[:limit] or ["your", "prompt"]


def _task(prompt: str) -> str:
    lowered = prompt.lower()
    if re.search(r"\b(code|python|function|sql|script|regex|javascript|bug)\b", lowered):
        return "code"
    if re.search(r"\b(list|ideas|options|steps|names|tips)\b", lowered):
        return "list"
    return "question" if prompt.rstrip().endswith("?") else "prose"


def compose_answer(messages: list[dict], temperature: float | None = None, seed: int | None = None) -> str:
    """The demo reply to a chat: says plainly it is offline, reflects the prompt, explains setup.
    The sampling parameters pick the wording; without them the answer is the one for temperature 1."""
    prompt = next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")
    sampling = _sampling_note(temperature, seed)
    # Without parameters the draw depends on the messages alone: one fixed answer per conversation.
    rng = _rng(*(m.get("content") for m in messages), *([sampling] if sampling else []))
    words = _keywords(prompt)
    parts = [_intro(prompt, messages), _observations(prompt, words, rng, temperature),
             _sketch(_task(prompt), words, rng), SETUP_HELP]
    if sampling:
        parts.insert(1, f"*{sampling}.*")
    return "\n\n".join(parts) + "\n"


def _sampling_note(temperature: float | None, seed: int | None) -> str:
    """"Sampled at temperature 0.7 with seed 42", or "" for the defaults (temperature 1, no seed:
    OpenAI's default temperature is 1, so sending it changes nothing)."""
    said = []
    if temperature is not None and float(temperature) != 1.0:
        said.append(f"at temperature {float(temperature):g}")
    if seed is not None:
        said.append(f"with seed {int(seed)}")
    return "Sampled " + " ".join(said) if said else ""


def _intro(prompt: str, messages: list[dict]) -> str:
    shown = prompt if len(prompt) <= 160 else prompt[:157].rstrip() + "..."
    context = []
    if any(m.get("role") == "system" for m in messages):
        context.append("with a system prompt")
    earlier = sum(1 for m in messages if m.get("role") in ("user", "assistant")) - 1
    if earlier > 0:
        context.append(f"continuing a conversation of {earlier} earlier messages")
    detail = f"{len(prompt.split())} words" + "".join(f", {c}" for c in context)
    return ("## Offline demo answer\n\n"
            "> **This reply comes from GenVault's built-in offline demo model, not from an AI.** "
            "No provider was called and nothing was billed; the text below is assembled locally "
            "so you can try streaming, history, costs and sharing without an API key.\n\n"
            f"**You asked:** \u201c{shown.replace(chr(10), ' ')}\u201d ({detail}).")


REMARKS = [
    "A real model would weigh each of these against the rest of your prompt.",
    "Rephrasing with one concrete example usually gets a sharper answer.",
    "Adding the audience and the desired length helps any model stay on target.",
    "A system prompt is the place for tone and format rules that apply to every turn.",
    "Asking for a format (a table, three bullets, one paragraph) makes answers easier to compare.",
    "Naming what you already know keeps a model from repeating it.",
]


def _observations(prompt: str, words: list[str], rng: random.Random, temperature: float | None = None) -> str:
    bold = ", ".join(f"**{w}**" for w in words)
    # Hotter sampling wanders further: more remarks, drawn from the whole list.
    count = 1 if temperature is None or temperature <= 1 else 2
    remarks = "".join(f"\n- {r}" for r in rng.sample(REMARKS, count))
    return (f"### What stands out\n\n- Key words: {bold}.\n"
            f"- Your prompt is {len(prompt)} characters long, about {len(split_tokens(prompt))} tokens.{remarks}")


def _sketch(task: str, words: list[str], rng: random.Random) -> str:
    heading = "### A sketch of an answer\n\n"
    if task == "code":
        name = re.sub(r"\W", "_", words[0])
        return (heading + "```python\n"
                f"def {name}_demo(items):\n"
                f"    \"\"\"Placeholder: a real model would write {words[0]} code here.\"\"\"\n"
                f"    return [item for item in items if \"{words[-1]}\" in str(item)]\n```")
    if task == "list":
        verbs = rng.sample(["Start with", "Compare", "Revisit", "Combine", "Question", "Measure"], 3)
        return heading + "\n".join(f"{i}. {verb} **{words[(i - 1) % len(words)]}**."
                                    for i, verb in enumerate(verbs, 1))
    opener = rng.choice(["In short,", "Put simply,", "The core idea:"])
    topic = " and ".join(f"**{w}**" for w in words[:2])
    return (f"{heading}{opener} a full answer would define {topic}, walk through one concrete example "
            "and close with a short summary. Connect a real model to get that answer.")


SETUP_HELP = """### Connect a real model

| To use | Set in the environment, then restart GenVault |
|---|---|
| OpenAI | `OPENAI_API_KEY=sk-...` |
| An OpenAI-compatible server (Ollama, vLLM, LM Studio) | `OPENAI_BASE_URL=http://localhost:11434/v1` |

A compatible server that checks keys also needs `OPENAI_API_KEY`. Every generation, this one
included, is kept in your history with its tokens and cost."""


def render_image(prompt: str, width: int, height: int, index: int = 0) -> bytes:
    """A PNG of `width`x`height`: a prompt-seeded gradient, soft shapes and the prompt as a caption."""
    rng = _rng(prompt, index)
    image = _gradient(rng, width, height).convert("RGBA")
    image = Image.alpha_composite(image, _shapes(rng, width, height))
    caption = Image.new("RGBA", (width, height), (0, 0, 0, 0))  # own layer so its box blends, not replaces
    _caption(ImageDraw.Draw(caption), prompt, width, height)
    image = Image.alpha_composite(image, caption)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", compress_level=3)
    return buffer.getvalue()


def _colour(rng: random.Random, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(rng.random(), lightness, 0.55 + 0.35 * rng.random())
    return int(r * 255), int(g * 255), int(b * 255)


def _gradient(rng: random.Random, width: int, height: int) -> Image.Image:
    # rotate the 256x256 ramp and keep its inscribed square so no corner is left empty
    ramp = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.BICUBIC, expand=True)
    side, centre = int(256 / math.sqrt(2)), ramp.width // 2
    box = (centre - side // 2, centre - side // 2, centre + side // 2, centre + side // 2)
    mask = ramp.crop(box).resize((width, height), Image.BILINEAR)
    light, dark = (Image.new("RGB", (width, height), _colour(rng, v)) for v in (0.7, 0.3))
    return Image.composite(light, dark, mask)


def _shapes(rng: random.Random, width: int, height: int) -> Image.Image:
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(5, 10)):
        x, y = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        w, h = rng.uniform(0.1, 0.45) * width, rng.uniform(0.1, 0.45) * height
        fill = (*_colour(rng, rng.uniform(0.3, 0.85)), rng.randint(50, 130))
        (draw.ellipse if rng.random() < 0.6 else draw.rectangle)((x, y, x + w, y + h), fill=fill)
    return layer


def _caption(draw: ImageDraw.ImageDraw, prompt: str, width: int, height: int) -> None:
    size = max(10, min(width, height) // 18)
    font, small = ImageFont.load_default(size=size), ImageFont.load_default(size=max(8, size * 2 // 3))
    lines = textwrap.wrap(" ".join(prompt.split()), width=max(8, int(width / (size * 0.55))))[:5] or ["(empty)"]
    top = height - (len(lines) + 2) * size * 1.3
    draw.rectangle((0, top - size * 0.5, width, height), fill=(0, 0, 0, 140))
    for i, line in enumerate(lines):
        draw.text((size * 0.6, top + i * size * 1.3), line, fill=(255, 255, 255, 255), font=font)
    draw.text((size * 0.6, height - size * 1.4), "GenVault offline demo image", fill=(220, 220, 220, 255),
              font=small)
