"""The architecture holds: the storage seam is the only way genlib reaches storage, and the layers
import downwards only (docs/DESIGN.md, "Layout and the storage seam")."""
from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import genlib
from genlib import GenerationRequest, Identity, Settings, Vault
from genlib.backends import base
from genlib.backends.duckdb.marks import DuckDBAnnotations, DuckDBShares
from genlib.backends.duckdb.batch import DuckDBBatchStore
from genlib.backends.duckdb.store import DuckDBStore
from genlib.backends.local.dedup import DiskDedupCache
from genlib.backends.local.images import LocalImageStore
from genlib.backends.local.ledger import LocalLedger
from genlib.backends.local.live import LocalLiveChannel
from genlib.backends.local.settings import FileSettings
from tests.budget_helpers import write_budgets

ROOT = Path(genlib.__file__).parent
REPO = ROOT.parent
PROTOCOLS = {base.RecordStore: DuckDBStore, base.ImageStore: LocalImageStore, base.DedupCache: DiskDedupCache,
             base.LiveChannel: LocalLiveChannel, base.BudgetLedger: LocalLedger, base.SettingsStore: FileSettings,
             base.AnnotationStore: DuckDBAnnotations, base.ShareStore: DuckDBShares,
             base.BatchStore: DuckDBBatchStore}
# The names genlib gives each role's object (attributes and parameters), outside backends/.
ROLE_NAMES = {"store": base.RecordStore, "_store": base.RecordStore, "images": base.ImageStore,
              "_images": base.ImageStore, "cache": base.DedupCache, "_cache": base.DedupCache, "registry": base.LiveChannel,
              "_registry": base.LiveChannel, "ledger": base.BudgetLedger, "_ledger": base.BudgetLedger,
              "documents": base.SettingsStore, "_documents": base.SettingsStore,
              "annotations": base.AnnotationStore, "shares": base.ShareStore, "batches": base.BatchStore}
# Not scanned: the embedded store's own search engine, handed the DuckDBStore itself (backends/duckdb/
# journal.py), and the provider client, whose `images` is the openai SDK's.
NOT_SCANNED = ("backends/", "search/history.py", "search/sync.py", "providers/")
# Low to high: a module may import its own layer and those before it. Units are top-level modules
# or sub-packages (search/query.py, the query language, is core: filters parse with it).
LAYERS = [
    {"clock", "errors", "ids", "records", "config", "validate", "faillog", "filestamp", "termsafe", "writable",
     "settingsdoc", "tombstone", "appurl", "compare.model", "vision", "marks", "batchrecords",
     "dedup", "filters", "reports", "money", "search.query"},
    {"pricing"}, {"providers"}, {"search"}, {"budgets"}, {"run"}, {"retention"}, {"backends"},
    {"api", "apphelpers", "claims", "users", "conversation", "doctor", "cli", "cliargs", "__init__", "__main__",
     "settingsedit", "settingscli", "deletion", "prunecli", "compare", "curation", "curatecli", "batch", "batchapi",
     "batchcli", "reportsapi", "cliout", "sendcli"},
]


def protocol_methods(protocol) -> set[str]:
    return {name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_")}


def sources(folder: Path = ROOT):
    for path in sorted(folder.rglob("*.py")):
        yield path.relative_to(folder).as_posix(), path, ast.parse(path.read_text())


# -- the seam ------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_each_default_implements_every_method_its_protocol_names(protocol):
    implementation = PROTOCOLS[protocol]
    for name in protocol_methods(protocol):
        method = getattr(implementation, name, None)
        assert callable(method), f"{implementation.__name__} lacks {protocol.__name__}.{name}"
        wanted = list(inspect.signature(getattr(protocol, name)).parameters)
        got = list(inspect.signature(method).parameters)
        assert got[:len(wanted)] == wanted, f"{implementation.__name__}.{name}{got} is not {wanted}"


def role_calls(tree: ast.AST):
    """(line, role name, attribute) for every `<role>.attr` and `<x>.<role>.attr` in the code."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            holder = node.value
            name = holder.attr if isinstance(holder, ast.Attribute) else getattr(holder, "id", None)
            if name in ROLE_NAMES:
                yield node.lineno, name, node.attr


def test_genlib_calls_nothing_outside_the_protocols_on_its_backends():
    wrong = [f"{rel}:{line} {name}.{attr}" for rel, _, tree in sources() if not rel.startswith(NOT_SCANNED)
             for line, name, attr in role_calls(tree)
             if attr not in protocol_methods(ROLE_NAMES[name])]
    assert wrong == []


def test_the_scan_sees_a_call_outside_a_protocol():
    tree = ast.parse("def f(vault):\n    vault.store.frame('SELECT 1', [])\n    self._cache.forget_ids(x)\n")
    assert [(n, a) for _, n, a in role_calls(tree) if a not in protocol_methods(ROLE_NAMES[n])] == [
        ("store", "frame"), ("_cache", "forget_ids")]


class Strict:
    """A backend seen only through its Protocol: any other attribute is an AttributeError."""

    def __init__(self, target, protocol):
        self._target, self._allowed, self._protocol = target, protocol_methods(protocol), protocol.__name__

    def __getattr__(self, name):
        if name not in self._allowed:
            raise AttributeError(f"genlib used {self._protocol}.{name}, which the Protocol does not name")
        return getattr(self._target, name)


def test_a_whole_vault_runs_through_strict_protocol_proxies(tmp_path, fake):
    data = tmp_path / "data"
    settings = Settings(data_dir=data, base_url=fake.base_url, api_key="k", flush_interval_s=0.05, max_retries=0)
    store = DuckDBStore(settings.db_path)
    roles = dict(store=Strict(store, base.RecordStore),
                 annotations=Strict(DuckDBAnnotations(store), base.AnnotationStore),
                 shares=Strict(DuckDBShares(store), base.ShareStore),
                 images=Strict(LocalImageStore(data), base.ImageStore),
                 cache=Strict(DiskDedupCache(data / "cache"), base.DedupCache),
                 registry=Strict(LocalLiveChannel(), base.LiveChannel), ledger=Strict(LocalLedger(), base.BudgetLedger),
                 documents=Strict(FileSettings(settings.resolved_budgets_file, settings.resolved_prices_file),
                                  base.SettingsStore))
    vault = Vault(settings, **roles)
    try:
        write_budgets(vault, "alert_multiple = 5\n[default_user]\ndaily_usd = 5\nrate_per_minute = 50\n")
        vault.set_budget_limit("*", "monthly_usd", "50", vault.settings_document("budgets").version, by="admin")
        vault.save_settings("prices", '[models."x"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n', None)
        ask = GenerationRequest("strict", "gpt-4o-mini")
        first = vault.wait(vault.start(ask, "ana"), timeout=20)
        hit = vault.wait(vault.start(ask, "ana"), timeout=20)
        assert hit.cached_from == first.id
        fake.enqueue(text="slow " * 50, chunks=50, delay=0.05)
        slow = vault.start(GenerationRequest("slow", "gpt-4o-mini"), "ana")
        next(iter(vault.follow(slow)))
        assert vault.cancel(slow, "ana")
        image = vault.wait(vault.start(GenerationRequest("a picture", "gpt-image-1", kind="image"), "ana"), 20)
        assert vault.image_bytes(image.images[0]["path"]) and vault.image_file(image.images[0]["thumb"]).is_file()
        vault.image_url(image.images[0]["path"])
        vault.wait(slow, timeout=20)
        vault.sign_in(Identity("https://idp", "ana", "ana@example.com", True))
        assert vault.search(genlib.Filters(q="strict")).items and vault.costs().totals["generations"] == 4
        vault.export(tmp_path / "out.csv", "csv")
        vault.reprice(apply=True)
        vault.reindex()
        vault.budgets.usage("ana"), vault.budgets.table(), vault.thread(first.id)
        vault.annotate(first.id, "ana", "ana", add_tags=["x"], note="n", starred=True, rating="up")
        assert vault.marked(genlib.Marks(tag="x"), "ana") and vault.tags("ana") == ["x"]
        vault.annotation_history(first.id, "ana"), vault.cost_by_tag("ana"), vault.annotations_of([first.id])
        link = vault.share(first.id, "ana", "ana")
        assert vault.open_share(link.token)[1].id == first.id and vault.my_shares("ana")
        vault.set_sharing(True, "admin", is_admin=True)
        assert vault.revoke_share(link.id, "ana") and vault.sharing_enabled()
    finally:
        vault.close()
    Vault(settings, **{**roles, "store": Strict(DuckDBStore(settings.db_path), base.RecordStore)}).close()


# -- the layers ------------------------------------------------------------------------------------
def imported_modules(rel: str, tree: ast.AST):
    """genlib modules a file imports, as dotted names under genlib."""
    package = ("genlib/" + rel).rsplit("/", 1)[0].replace("/", ".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = package.split(".")[:len(package.split(".")) - node.level + 1]
            yield ".".join(parts + ([node.module] if node.module else []))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("genlib"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("genlib"))


def layer_of(module: str) -> int:
    parts = module.split(".")[1:] or ["__init__"]
    unit = ".".join(parts[:2]) if ".".join(parts[:2]) in LAYERS[0] else parts[0]
    found = [i for i, layer in enumerate(LAYERS) if unit in layer]
    assert found, f"{module} is in no layer: add it to LAYERS"
    return found[0]


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for rel, _, tree in sources():
        me = "genlib." + rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for target in imported_modules(rel, tree):
            if layer_of(target) > layer_of(me):
                upward.append(f"{me} imports {target}")
    assert upward == []


def test_only_the_duckdb_backend_imports_duckdb_and_genlib_never_imports_streamlit():
    found = {rel: {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
             | {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
             for rel, _, tree in sources()}
    assert sorted(rel for rel, names in found.items() if "duckdb" in names) == ["backends/duckdb/store.py"]
    assert [rel for rel, names in found.items() if "streamlit" in names] == []



# Each team driver only inside its own backend package, imported only when its URL is set (factory.py,
# doctor.py import those packages inside functions): the embedded default never loads them.
DRIVERS = {"psycopg": "backends/postgres/", "psycopg_pool": "backends/postgres/", "redis": "backends/redis/",
           "boto3": "backends/s3/", "botocore": "backends/s3/"}


def test_each_team_driver_is_imported_only_in_its_own_backend():
    wrong = [f"{rel} imports {name}" for rel, _, tree in sources() for node in ast.walk(tree)
             for name in _absolute_imports(node) if name in DRIVERS and not rel.startswith(DRIVERS[name])]
    assert wrong == []


def _absolute_imports(node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return [node.module.split(".")[0]]
    return []


def test_the_embedded_default_loads_no_team_driver(tmp_path):
    code = ("import sys; from genlib import Settings, Vault; from tests.vaults import make_vault\n"
            f"make_vault({str(tmp_path)!r}).close()\n"
            "print(sorted(m for m in ('psycopg', 'redis', 'boto3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr


def test_only_the_factory_and_doctor_reach_the_team_backends():
    """The Vault and the rest of genlib name no implementation: roles come from open_backends."""
    team = ("backends.postgres", "backends.redis", "backends.s3")
    wrong = [f"{rel} imports {target}" for rel, _, tree in sources() for target in imported_modules(rel, tree)
             if any(target.startswith("genlib." + t) for t in team) and not rel.startswith(
                 ("backends/postgres/", "backends/redis/", "backends/s3/", "backends/factory.py", "doctor.py"))]
    assert wrong == []


def test_the_app_uses_only_genlibs_public_names():
    wrong = []
    for path in [*(REPO / "ui").rglob("*.py"), *(REPO / "pages").rglob("*.py"), REPO / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("genlib"):
                if node.module != "genlib" or any(a.name not in genlib.__all__ for a in node.names):
                    wrong.append(f"{path.relative_to(REPO)}: from {node.module} import {[a.name for a in node.names]}")
            elif isinstance(node, ast.Import):
                wrong += [f"{path.relative_to(REPO)}: import {a.name}" for a in node.names if a.name.startswith("genlib")]
    assert wrong == []


def test_the_app_reaches_no_part_of_the_vault():
    """Pages use the Vault's methods, never its storage, writer or budget internals."""
    parts = {"store", "images", "cache", "registry", "ledger", "persister", "worker", "budgets", "users",
             "pricer", "provider", "recent", "documents",
             "annotations", "shares"}
    wrong = []
    for path in [*(REPO / "ui").rglob("*.py"), *(REPO / "pages").rglob("*.py"), REPO / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Attribute) and node.attr in parts):
                continue
            holder = node.value.func if isinstance(node.value, ast.Call) else node.value  # get_vault().x
            if getattr(holder, "id", "").endswith("vault"):
                wrong.append(f"{path.relative_to(REPO)}:{node.lineno} vault.{node.attr}")
    assert wrong == []
