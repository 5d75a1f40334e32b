"""Two `streamlit run app.py` replicas over PostgreSQL + Redis + S3 (moto) behind deploy/nginx.conf
(Debian's nginx): the page loads through the balancer (its websocket included) and shows a picture
saved by another process, which either replica serves from the shared store on its /files/ route."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from genlib import GenerationRequest, Settings, Vault
from tests.apphealth import stop, wait_healthy
from tests.browser.conftest import free_port
from tests.browser.helpers import ROOT, goto, no_traceback
from tests.services import team_urls

pytestmark = pytest.mark.browser
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def start_replica(env: dict, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
           "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "GENLIB_DATA_DIR": str(data_dir)}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, lambda: log.read_text(errors="replace"))
    return proc, url


def start_nginx(folder: Path, ports: list[int]) -> tuple[subprocess.Popen, str]:
    """deploy/nginx.conf as shipped, only its ports changed to free ones."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed (make test installs Debian's nginx)", pytrace=False)
    listen = free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = conf.replace("127.0.0.1:8501", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8502", f"127.0.0.1:{ports[1]}")
    conf = conf.replace("listen 127.0.0.1:8080", f"listen 127.0.0.1:{listen}")
    (folder / "tmp").mkdir(parents=True)
    (folder / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{listen}"
    wait_healthy(url, proc, lambda: (folder / "error.log").read_text(errors="replace")
                 if (folder / "error.log").exists() else "")
    return proc, url


@pytest.fixture
def balanced(team_env, tmp_path, fake):
    """(nginx URL, replica URLs, team settings) with two replicas and nginx running."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
    env = {**base, **team_env, "OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test-key",
           "PYTHONUNBUFFERED": "1"}
    procs, urls = [], []
    try:
        for i in range(2):
            proc, url = start_replica(env, tmp_path / f"replica{i}", tmp_path / f"replica{i}.log")
            procs.append(proc)
            urls.append(url)
        proc, front = start_nginx(tmp_path / "nginx", [int(u.rsplit(":", 1)[1]) for u in urls])
        procs.append(proc)
        yield front, urls
    finally:
        for proc in reversed(procs):
            stop(proc)


def test_a_picture_loads_through_nginx_in_front_of_two_replicas(balanced, team_env, tmp_path, fake, new_context,
                                                                pg_schema, redis_space, s3_bucket):
    front, replicas = balanced
    settings = Settings(data_dir=tmp_path / "maker", base_url=fake.base_url, api_key="test-key", max_retries=0,
                        **team_urls(pg_schema, redis_space, s3_bucket))
    vault = Vault(settings)  # a third process's worth of storage: nothing on the replicas' disks
    try:
        gen = vault.wait(vault.start(GenerationRequest("a picture for the balancer", "gpt-image-1", kind="image"),
                                     "local"), timeout=30)
    finally:
        vault.close()
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
