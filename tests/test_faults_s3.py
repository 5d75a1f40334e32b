"""The object store cut (a TCP proxy in front of moto's S3 server): an image generation is refused
before the provider is paid, text generations go on, and images work again once it is back."""
from __future__ import annotations

import pytest

from genlib import GenerationRequest, StorageUnavailable
from tests.faults import proxied, until
from tests.vaults import make_vault

IMAGE = GenerationRequest("a red fox", "gpt-image-1", kind="image")


def test_an_image_is_refused_before_paying_while_the_object_store_is_down(s3_bucket, tmp_path, fake, monkeypatch):
    endpoint, proxy = proxied(s3_bucket.endpoint, 80)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no retries: the probe answers within a second
    vault = make_vault(tmp_path / "data", fake, blob_url=s3_bucket.url())
    vault.health._ttl = 0.2  # the probe is cached a few seconds in production
    try:
        assert vault.wait(vault.start(IMAGE, "ana"), timeout=30).status == "complete"
        proxy.cut()
        assert until(lambda: vault.storage_problem(), timeout=10)
        with pytest.raises(StorageUnavailable, match="object store"):
            vault.start(IMAGE, "ana")
        assert fake.calls("images") == 1  # never sent
        text = vault.start(GenerationRequest("hello", "gpt-4o-mini"), "ana")  # text needs no bucket
        assert vault.wait(text, timeout=20).status == "complete"
        proxy.restore()
        assert until(lambda: vault.storage_problem() is None, timeout=10)
        again = vault.wait(vault.start(GenerationRequest("a blue fox", "gpt-image-1", kind="image"), "ana"),
                           timeout=30)  # not the same request: that would be a dedup hit
        assert again.status == "complete" and again.images and fake.calls("images") == 2
    finally:
        proxy.restore()
        vault.close()
        proxy.stop()
