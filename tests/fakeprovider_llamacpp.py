"""How llama.cpp's OpenAI-compatible server (llama-cpp-python 0.3.36) streams, for the fake.

Measured against the real server (tests/realmodel/): it sends **no usage chunk**, even when
`stream_options.include_usage` is set, and ends on `finish_reason` "length" once `max_tokens`
tokens were produced, "stop" otherwise. `FakeProvider(like_llama_cpp=True)` (or the behaviour key
in `enqueue`) makes the fake do the same, so the fast tests cover what the real server does.
"""
from __future__ import annotations


def like_llama_cpp(behaviour: dict, body: dict, pieces: list[str]) -> tuple[dict, list[str]]:
    """The behaviour and content pieces of a llama.cpp-like stream (one piece ~ one token)."""
    limit = body.get("max_tokens") or body.get("max_completion_tokens")
    truncated = limit is not None and len(pieces) > limit
    behaviour = {**behaviour, "usage": False,
                 "finish_reason": "length" if truncated else behaviour.get("finish_reason", "stop")}
    return behaviour, pieces[:limit] if truncated else pieces
