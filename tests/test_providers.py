"""genlib.providers.client through the real openai SDK against a loopback FakeProvider."""
from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import openai
import pytest
from PIL import Image

from genlib.config import Settings
from genlib.providers.client import make_provider
from genlib.providers.errors import StreamDropped, describe_error
from tests.fakeprovider import FakeProvider

KEY = "sk-test-SECRETKEY0123456789"
HI = [{"role": "user", "content": "hello there"}]


def provider_for(fake: FakeProvider, **overrides):
    values = dict(data_dir=Path("unused"), api_key=KEY, base_url=fake.base_url, max_retries=0,
                  request_timeout_s=10.0)
    return make_provider(Settings(**{**values, **overrides}))


def collect(stream) -> tuple[list, BaseException | None]:
    events = []
    try:
        with stream:
            for event in stream:
                events.append(event)
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        return events, exc
    return events, None


def test_stream_yields_text_then_a_usage_chunk_and_sends_what_was_asked(fake_provider):
    fake_provider.enqueue(text="Hello brave new world", model_used="gpt-4o-mini-2024-07-18",
                          usage={"prompt_tokens": 50, "completion_tokens": 9, "cached_tokens": 32,
                                 "reasoning_tokens": 4})
    stream = provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {"temperature": 0.5, "max_tokens": 64,
                                                                              "seed": 7, "unknown": 1})
    events, error = collect(stream)
    assert error is None and "".join(e.text for e in events) == "Hello brave new world"
    assert {e.model for e in events} == {"gpt-4o-mini-2024-07-18"} and events[0].response_id
    usage = events[-1].usage
    assert usage["prompt_tokens"] == 50 and usage["prompt_tokens_details"]["cached_tokens"] == 32
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 4
    assert [e.finish_reason for e in events if e.finish_reason] == ["stop"]
    sent = fake_provider.requests[-1]
    assert sent["json"]["stream"] is True and sent["json"]["stream_options"] == {"include_usage": True}
    assert sent["json"]["max_tokens"] == 64 and sent["json"]["seed"] == 7 and "unknown" not in sent["json"]
    assert "authorization" not in sent["headers"]


def test_a_stream_without_usage_completes_with_no_usage(fake_provider):
    fake_provider.enqueue(text="no usage here", usage=False)
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert error is None and "".join(e.text for e in events) == "no usage here"
    assert all(e.usage is None for e in events)


def test_on_request_runs_before_the_provider_answers(fake_provider):
    seen = []
    fake_provider.on_request = lambda request: seen.append(request["json"]["model"])
    events, error = collect(provider_for(fake_provider).open_text_stream("fake-model", HI, {}))
    assert error is None and seen == ["fake-model"] and fake_provider.calls("chat") == 1


@pytest.mark.parametrize("status, phrase", [(429, "Rate limited by the provider (429)"),
                                            (500, "The provider had an error (500)")])
def test_retryable_errors_are_retried_then_reported(fake_provider, status, phrase):
    for _ in range(3):
        fake_provider.enqueue(status=status, retry_after=0.01)
    with pytest.raises(openai.APIStatusError) as caught:
        provider_for(fake_provider, max_retries=2).open_text_stream("gpt-4o-mini", HI, {})
    assert fake_provider.calls("chat") == 3
    message = describe_error(caught.value)
    assert phrase in message and KEY not in message
    if status == 429:
        assert message.endswith("Try again in 1 s.")


def test_a_retry_that_succeeds_is_invisible(fake_provider):
    fake_provider.enqueue(status=500, retry_after=0.01)
    events, error = collect(provider_for(fake_provider, max_retries=1).open_text_stream("gpt-4o-mini", HI, {}))
    assert error is None and fake_provider.calls("chat") == 2 and "".join(e.text for e in events)


def test_401_is_not_retried_and_never_shows_the_key(fake_provider):
    fake_provider.enqueue(status=401, message=f"Incorrect API key provided: {KEY}.")
    with pytest.raises(openai.AuthenticationError) as caught:
        provider_for(fake_provider, max_retries=2).open_text_stream("gpt-4o-mini", HI, {})
    message = describe_error(caught.value)
    assert message.startswith("The provider rejected the API key (401)") and fake_provider.calls("chat") == 1
    assert KEY not in message and "SECRETKEY" not in message


def test_any_message_echoing_the_key_is_scrubbed(fake_provider):
    fake_provider.enqueue(status=400, message=f"Bad value near {KEY} and sk-other-abcdef123456")
    with pytest.raises(openai.BadRequestError) as caught:
        provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {})
    message = describe_error(caught.value)
    assert "(400)" in message and "SECRETKEY" not in message and "abcdef123456" not in message


def test_404_says_model_not_found(fake_provider):
    fake_provider.enqueue(status=404)
    with pytest.raises(openai.NotFoundError) as caught:
        provider_for(fake_provider).open_text_stream("gpt-9", HI, {})
    assert describe_error(caught.value).startswith("Model not found (404): The model `gpt-9` does not exist")


def test_a_dropped_stream_yields_the_partial_then_raises_a_clear_error(fake_provider):
    fake_provider.enqueue(text="one two three four five six", chunks=6, drop_after=3)
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert "".join(e.text for e in events) == "one two three"
    assert isinstance(error, StreamDropped) and isinstance(error, openai.APIConnectionError)
    assert describe_error(error).startswith("The connection dropped mid-stream")


def test_a_stream_ending_with_neither_done_nor_finish_reason_counts_as_dropped(fake_provider):
    fake_provider.enqueue(text="cut short", finish_reason=None, usage=False, done=False)
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert "".join(e.text for e in events) == "cut short" and isinstance(error, StreamDropped)


def test_done_without_a_finish_reason_is_a_finished_stream(fake_provider):
    fake_provider.enqueue(text="all of it", finish_reason=None, usage=False)
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert "".join(e.text for e in events) == "all of it" and error is None


def test_an_sse_error_event_raises_after_the_partial(fake_provider):
    fake_provider.enqueue(text="a b c d", sse_error_after=2, message="Overloaded, try later")
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert "".join(e.text for e in events) == "a b"
    assert isinstance(error, openai.APIError)
    assert describe_error(error) == "The provider reported an error mid-stream: Overloaded, try later"


def test_malformed_stream_data_is_described(fake_provider):
    fake_provider.enqueue(text="a b c", malformed_after=1)
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert "".join(e.text for e in events) == "a" and error is not None
    assert "malformed" in describe_error(error)


def test_close_from_another_thread_cancels_a_blocked_stream_promptly(fake_provider):
    fake_provider.enqueue(text="slow " * 10, chunks=10, delay=5.0)
    provider = provider_for(fake_provider)
    stream = provider.open_text_stream("gpt-4o-mini", HI, {})
    threading.Timer(0.2, stream.close).start()
    started = time.monotonic()
    events, error = collect(stream)
    assert error is None and stream.cancelled and time.monotonic() - started < 3.0
    assert "".join(e.text for e in events) == ""
    fake_provider.enqueue(text="still works")  # the client (and its pool) is usable afterwards
    events, error = collect(provider.open_text_stream("gpt-4o-mini", HI, {}))
    assert error is None and "".join(e.text for e in events) == "still works"


def test_close_before_reading_yields_nothing(fake_provider):
    stream = provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {})
    stream.close()
    assert list(stream) == []


def test_a_silent_provider_times_out_with_the_configured_seconds(fake_provider):
    fake_provider.enqueue(hang=3.0)
    with pytest.raises(openai.APITimeoutError) as caught:
        provider_for(fake_provider, request_timeout_s=0.3).open_text_stream("gpt-4o-mini", HI, {})
    assert describe_error(caught.value).startswith("Timed out after 0.3 s")


def test_an_unreachable_endpoint_says_so():
    with FakeProvider() as fake:
        base_url = fake.base_url  # the port is closed once the server stops
    provider = make_provider(Settings(data_dir=Path("x"), base_url=base_url, max_retries=0))
    with pytest.raises(openai.APIConnectionError) as caught:
        provider.open_text_stream("gpt-4o-mini", HI, {})
    assert describe_error(caught.value) == f"Could not connect to {base_url.split('/')[2]}."
    assert provider.models() == ["gpt-4o-mini", "gpt-4.1-mini", "gpt-image-1"]  # configured only, no raise


def test_models_merge_configured_first_then_the_endpoint_sorted_and_are_cached():
    with FakeProvider(models=["zeta", "gpt-4o-mini", "alpha"]) as fake:
        provider = provider_for(fake, extra_models=("gpt-4o-mini", "mine"))
        assert provider.models() == ["gpt-4o-mini", "mine", "alpha", "zeta"]
        assert provider.models() == ["gpt-4o-mini", "mine", "alpha", "zeta"]
        assert fake.calls("models") == 1


def test_models_fall_back_to_the_configured_list_when_the_endpoint_fails(fake_provider):
    fake_provider.models_status = 500
    assert provider_for(fake_provider, extra_models=("a", "b")).models() == ["a", "b"]


def test_images_are_decoded_pngs_with_usage(fake_provider):
    result = provider_for(fake_provider).generate_images("gpt-image-1", "a red fox", {"size": "48x32", "n": 2})
    assert len(result.images) == 2 and result.model == "gpt-image-1" and result.response_id
    for data in result.images:
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG" and image.size == (48, 32)
    assert result.usage["input_tokens_details"]["text_tokens"] > 0 and result.usage["output_tokens"] == 544
    assert "response_format" not in fake_provider.requests[-1]["json"]


def test_dall_e_is_asked_for_b64(fake_provider):
    provider_for(fake_provider).generate_images("dall-e-3", "a fox", {})
    assert fake_provider.requests[-1]["json"]["response_format"] == "b64_json"


def test_host_is_the_netloc_without_credentials():
    def host(url):
        return make_provider(Settings(data_dir=Path("x"), api_key=KEY, base_url=url)).host
    assert make_provider(Settings(data_dir=Path("x"), api_key=KEY)).host == "api.openai.com"
    assert host("http://user:pw@127.0.0.1:8123/v1") == "127.0.0.1:8123"
    assert make_provider(Settings(data_dir=Path("x"))).host == "offline"


def test_the_fake_streams_thousands_of_chunks_quickly(fake_provider):
    fake_provider.enqueue(tokens=5000)
    started = time.monotonic()
    events, error = collect(provider_for(fake_provider).open_text_stream("gpt-4o-mini", HI, {}))
    assert error is None and sum(1 for e in events if e.text) == 5000
    assert events[-1].usage["completion_tokens"] == 5000 and time.monotonic() - started < 8.0


def test_unexpected_errors_never_show_python_object_reprs():
    from PIL import UnidentifiedImageError
    exc = UnidentifiedImageError("cannot identify image file <_io.BytesIO object at 0x7f3a2b1c0d60>")
    assert describe_error(exc) == "UnidentifiedImageError: cannot identify image file"


def test_a_drip_is_cut_by_the_deadline_not_by_the_read_timeout(fake_provider):
    fake_provider.enqueue(text="drip drip", drip_ms=20)
    events, error = collect(provider_for(fake_provider, request_timeout_s=0.5).open_text_stream("gpt-4o-mini", HI, {}))
    assert not any(e.text for e in events) and isinstance(error, openai.APITimeoutError)
    assert describe_error(error).startswith("Timed out after 0.5 s waiting for the first token from 127.0.0.1:")
