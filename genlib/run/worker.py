"""The worker: runs each generation against the provider on a daemon thread owned by the process.

It never calls Streamlit, so a browser refresh (which stops the page's script thread) can't stop
it. It is the only writer of its generation: text goes to the `LiveGeneration`, the persister
saves it, and every ending (complete, error, cancelled) becomes a final record with its usage,
cost and the partial text kept. Followers mirror an identical request in flight instead of paying.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from decimal import Decimal
from functools import partial

from ..clock import utcnow
from ..dedup import SHARED_HIT
from ..errors import StorageUnavailable
from ..pricing.costing import apply_usage
from ..pricing.usage import estimate_chat_usage
from ..providers.errors import describe_error
from ..providers.sendgate import NotSaved, SendPermit, held_by_this_thread
from ..records import (CANCELLED, COMPLETE, ERROR, IMAGE, STREAMING, TEXT, Generation, GenerationRequest,
                       TokenBuckets)
from .copies import copy_images
from .live import LiveGeneration
from .workerpool import WorkerPool

log = logging.getLogger(__name__)
FINAL_RETRY_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # waits between attempts to save a final record


class Worker:
    """Given only what a generation needs: the provider and pricer, the image store, the writer
    (`finish`, `flush`), `read(id)` for a followed generation's final record, `after_finish(final)`
    (budget, dedup cache) and `closing()` (the Vault is shutting down: don't retry, don't complain).
    With a `keeper` (outage.py), a final record the database refuses is held and saved on recovery."""

    def __init__(self, provider, pricer, images, writer, read, after_finish, closing, keeper=None):
        self._provider, self._pricer, self._images = provider, pricer, images
        self._writer, self._read, self._after_finish, self._closing = writer, read, after_finish, closing
        self._keeper = keeper
        self._pool = WorkerPool()

    def launch(self, live: LiveGeneration, request: GenerationRequest,
               original: LiveGeneration | None = None, permit: SendPermit | None = None) -> None:
        """Start the generation's thread; with a `permit`, it may run before the pending row is
        committed, but sends nothing to the provider (and saves nothing) until it is."""
        live.permit = permit
        if original is not None:
            target, args = self._run_follow, (request, original)
        elif request.kind == IMAGE:
            target, args = self._run_image, (request,)
        else:
            target, args = self._run_text, (request,)
        self._pool.submit(f"genlib-{live.record.id}", partial(self._guard, target, live, *args))

    def _guard(self, target, live: LiveGeneration, *args) -> None:
        try:
            if target != self._run_text and live.permit is not None:
                live.permit.wait()  # only the text path overlaps the commit (SDK set-up is its cost)
            with held_by_this_thread(live.permit, lambda: live.set_meta(request_sent_utc=utcnow())):
                target(live, *args)
        except NotSaved:
            return  # nothing was sent; `start` has told its caller why
        except BaseException as exc:  # noqa: BLE001 - the row must end in a stored status
            if not _saved(live):
                return
            log.exception("generation %s failed", live.record.id)
            try:
                self._finish(live, CANCELLED if live.cancel_requested else ERROR, error=describe_error(exc))
            except Exception:  # noqa: BLE001 - e.g. shutting down; the start-up sweep will end it
                log.warning("generation %s left for the start-up sweep", live.record.id)

    # -- text -----------------------------------------------------------------------------
    def _run_text(self, live: LiveGeneration, request: GenerationRequest) -> None:
        if live.cancel_requested:
            return self._finish(live, CANCELLED)
        usage = None  # request_sent_utc is stamped as the request leaves (the send gate's hook)
        try:
            stream = self._provider.open_text_stream(request.model, request.sent_messages(), request.params)
            live.stream = stream
            with stream:
                for event in stream:
                    usage = self._apply_event(live, event) or usage
                    if live.cancel_requested:
                        break
        except Exception as exc:  # noqa: BLE001 - any provider failure ends the row as error
            status = CANCELLED if live.cancel_requested else ERROR
            # usage the provider reported before failing is stored and priced like any other
            return self._finish(live, status, error=None if status == CANCELLED else describe_error(exc), usage=usage)
        self._finish(live, CANCELLED if live.cancel_requested else COMPLETE, usage=usage)

    def _apply_event(self, live: LiveGeneration, event) -> dict | None:
        if event.model and not live.record.model_used:
            live.set_meta(model_used=event.model, response_id=event.response_id)
        if event.text:
            if live.record.first_token_utc is None:
                live.set_meta(first_token_utc=utcnow(), status=STREAMING)
            live.append(event.text)
        if event.finish_reason:
            live.set_meta(finish_reason=event.finish_reason)
        return event.usage

    # -- images ---------------------------------------------------------------------------
    def _run_image(self, live: LiveGeneration, request: GenerationRequest) -> None:
        if live.cancel_requested:
            return self._finish(live, CANCELLED)
        try:
            result = self._provider.generate_images(request.model, request.prompt, request.params)
        except Exception as exc:  # noqa: BLE001 - a refused answer may still carry usage to bill
            return self._finish(live, ERROR, error=describe_error(exc), usage=getattr(exc, "usage", None))
        self._keep_billing_first(live, request, result)
        saved = [self._images.save(live.record.id, i, data) for i, data in enumerate(result.images)]
        live.set_meta(images_json=json.dumps(saved), first_token_utc=utcnow())
        self._finish(live, COMPLETE, usage=result.usage, n_images=len(saved))

    def _keep_billing_first(self, live: LiveGeneration, request: GenerationRequest, result) -> None:
        """The images are paid for once they arrive: commit the provider's usage, priced, before the
        files are written, so a crash while saving them keeps the cost (the start-up sweep then
        attaches the files it finds under the generation's id, or says they were lost)."""
        live.set_meta(model_used=result.model or request.model, response_id=result.response_id)
        if result.usage is not None:
            priced = live.snapshot().record
            apply_usage(priced, result.usage, self._pricer, self._provider.host,
                        n_images=len(result.images))
            live.set_meta(**{name: getattr(priced, name) for name in _BILLING_FIELDS})
        try:
            self._writer.flush()
        except Exception as exc:  # noqa: BLE001 - still save the pictures; the final record retries the write
            log.warning("generation %s: usage not saved before the image files: %s", live.record.id, exc)

    # -- following an identical request in flight -----------------------------------------
    def _run_follow(self, live: LiveGeneration, request: GenerationRequest, original: LiveGeneration) -> None:
        seen = 0
        while True:
            original.wait_for_change(seen, timeout=0.5)
            parts = original.parts_since(seen)
            for part in parts:
                if live.record.first_token_utc is None:
                    live.set_meta(first_token_utc=utcnow(), status=STREAMING)
                live.append(part)
            seen += len(parts)
            if live.cancel_requested:
                return self._finish(live, CANCELLED)
            if original.ended and not original.parts_since(seen):
                break
        source = self._read(original.record.id)
        if source is not None and source.status == COMPLETE:
            return self._finish_as_copy(live, source)
        # The original failed or was cancelled: this request still deserves an answer of its own.
        live.reset_text()
        live.persist_chunks = True
        live.set_meta(cached_from=None, first_token_utc=None)
        (self._run_image if request.kind == IMAGE else self._run_text)(live, request)

    def _finish_as_copy(self, live: LiveGeneration, source: Generation) -> None:
        final = live.snapshot().record
        images_json = source.images_json
        if final.cached_from == SHARED_HIT and source.images:  # another user's files: copy, never point
            images_json = json.dumps(copy_images(self._images, source.images, final.id))
        final = replace(final, status=COMPLETE, result_text=source.result_text, images_json=images_json,
                        model_used=source.model_used, cost_usd=Decimal(0), cost_saved_usd=source.cost_usd,
                        price_source="dedup: shared an identical request in flight",
                        finished_utc=utcnow(), **_zero_tokens())
        self._commit(live, final)

    # -- endings --------------------------------------------------------------------------
    def _finish(self, live: LiveGeneration, status: str, error: str | None = None,
                usage: dict | None = None, n_images: int = 0) -> None:
        live.received.set()
        final = live.snapshot().record
        if status == CANCELLED and error is None:
            error = live.stop_reason
        final.status, final.error, final.finished_utc = status, error, utcnow()
        usage, estimated = self._usage_or_estimate(final, usage)
        if usage is not None:
            apply_usage(final, usage, self._pricer, self._provider.host, estimated, n_images)
        self._commit(live, final)

    def _usage_or_estimate(self, final: Generation, usage: dict | None) -> tuple[dict | None, bool]:
        """Provider usage if sent; an estimate (flagged) when text arrived but usage never did."""
        if usage is not None:
            return usage, False
        if final.kind == TEXT and final.first_token_utc is not None:
            return estimate_chat_usage(final.messages, final.result_text, final.attachments), True
        return None, False

    def _commit(self, live: LiveGeneration, final: Generation) -> None:
        if not _saved(live):
            return  # no row to end: the pending row was never saved, and `start` cleaned up
        try:
            self._save_final(final)
        except Exception as exc:  # noqa: BLE001 - not saved: readers must not see "streaming" forever
            if self._keeper is not None and isinstance(exc, StorageUnavailable) and not self._closing():
                self._keeper.keep(final)  # readers see the final fields; the row follows on recovery
                live.set_meta(**{c: getattr(final, c) for c in ("status", "finished_utc", "error")})
            elif not self._closing():  # on shutdown the sweep has saved it
                log.error("generation %s: final record not saved: %s", final.id, exc)
                live.set_meta(status=ERROR, finished_utc=final.finished_utc, error=(
                    f"The final record could not be saved ({describe_error(exc)}); the text saved while "
                    "it streamed is kept."))
        finally:
            # Before marking the end: once `wait` returns, the reservation is released (a next start
            # is judged on real spend only), the spend alert checked and the dedup cache updated.
            try:
                self._after_finish(final)
            except Exception:  # noqa: BLE001 - e.g. the dedup cache on a full disk: nothing to undo
                log.warning("generation %s: dedup cache not updated", final.id, exc_info=True)
            live.mark_ended()

    def _save_final(self, final: Generation) -> None:
        """Write the final record, retrying for ~15 s: a full disk often frees up (logs rotate)."""
        for delay in (*FINAL_RETRY_S, None):
            try:
                return self._writer.finish(final)
            except Exception as exc:  # noqa: BLE001
                if delay is None or self._closing() or (self._keeper and isinstance(exc, StorageUnavailable)):
                    raise
                log.warning("generation %s: saving failed (%s); retrying in %s s", final.id, exc, delay)
                time.sleep(delay)


def _saved(live: LiveGeneration) -> bool:
    """Whether the generation's pending row was committed (waits for the decision if need be)."""
    try:
        if live.permit is not None:
            live.permit.wait()
        return True
    except BaseException:  # noqa: BLE001 - the permit re-raises the storage error: here it means "no"
        return False


_BILLING_FIELDS = ("usage_json", *vars(TokenBuckets()), "usage_estimated", "cost_usd", "price_source")


def _zero_tokens() -> dict:
    return {name: 0 for name in vars(TokenBuckets())}
