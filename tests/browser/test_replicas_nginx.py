"""Two `streamlit run app.py` replicas over PostgreSQL + Redis + S3 (moto) behind deploy/nginx.conf
(Debian's nginx): the page loads through the balancer (its websocket included) and shows a picture
saved by another process, which either replica serves from the shared store on its /files/ route;
the record, the answer and a batch job's results download through it on every request, whichever
replica answers."""
from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from genlib import GenerationRequest, Settings, Vault
from tests.browser.helpers import goto, no_traceback
from tests.browser.replicaapps import replicas
from tests.services import team_urls

pytestmark = pytest.mark.browser
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def balanced(team_env, tmp_path, fake):
    """(nginx URL, replica URLs) with two replicas and nginx running."""
    with replicas(team_env, fake, tmp_path, nginx=True) as (_, urls, front):
        yield front, urls


def test_a_picture_loads_through_nginx_in_front_of_two_replicas(balanced, team_env, tmp_path, fake, new_context,
                                                                pg_schema, redis_space, s3_bucket):
    front, replicas = balanced
    settings = Settings(data_dir=tmp_path / "maker", base_url=fake.base_url, api_key="test-key", max_retries=0,
                        **team_urls(pg_schema, redis_space, s3_bucket))
    vault = Vault(settings)  # a third process's worth of storage: nothing on the replicas' disks
    try:
        gen = vault.wait(vault.start(GenerationRequest("a picture for the balancer", "gpt-image-1", kind="image"),
                                     "local"), timeout=30)
        text = vault.wait(vault.start(GenerationRequest("a text for the balancer", "gpt-4o-mini"), "local"), timeout=30)
        job_id = vault.batch_create(vault.batch_plan(b"city\nLisbon\nPorto\n", "cities.csv", "About {city}",
                                                     ["gpt-4o-mini"]), "local")
        vault.batch_run(job_id, "local")
        assert vault.batch_wait(job_id, timeout=60).status == "done"
    finally:
        vault.close()
    for base in (front, *replicas):  # nginx's ip_hash sends one client to one replica: ask each too
        _downloads_from(base, text, job_id)
    assert gen.status == "complete" and gen.images
    for url in replicas:  # any replica serves the bytes from the shared object store
        with urllib.request.urlopen(f"{url}/files/image/{gen.id}/0", timeout=30) as answer:
            assert answer.status == 200 and answer.read(8) == PNG_MAGIC
    for _ in range(3):  # fresh browsers, each its own websocket through nginx
        page = new_context().new_page()
        goto(page, f"{front}/image?id={gen.id}")
        picture = page.locator("[data-testid='stMain'] img").first
        expect(picture).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        assert picture.get_attribute("src") == f"files/image/{gen.id}/0"
        no_traceback(page)
    page = new_context().new_page()
    goto(page, f"{front}/generate?id={gen.id}")
    expect(page.locator("[aria-label='Chat message from assistant'] img")).to_be_visible()
    no_traceback(page)


def _downloads_from(base: str, text, job_id: str) -> None:
    """Each download, twice: made from the shared stores on every request, not from a replica's memory."""
    for _ in range(2):
        record = json.loads(_get(f"{base}/files/record/{text.id}.json"))
        assert record["id"] == text.id and record["result_text"] == text.result_text
        assert _get(f"{base}/files/answer/{text.id}.md").decode() == text.result_text
        table = _get(f"{base}/files/batch/{job_id}/csv").decode("utf-8-sig")
        assert "Lisbon" in table and "Porto" in table


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200, url
        return answer.read()
