"""The PostgreSQL store's reports give what the DuckDB store's give on the same records: the Costs
page's cube (with and without the rollup), its top ten and estimated tokens, budget spend; the
rollup is folded once however many replicas try; re-pricing rebuilds it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from genlib.filters import Filters
from genlib.records import COMPLETE, ERROR, IMAGE
from tests.backends.pgrecords import T0, insert_all, open_store, record
from tests.contract.records import read_export


@dataclass(frozen=True)
class Window:  # the seam's SpendWindow: records created in [since, until), the day's from `day`
    since: datetime
    until: datetime
    day: datetime | None = None
    fin: Decimal = Decimal(0)
    fout: Decimal = Decimal(0)


def _records():
    rows = []
    for n in range(36):
        user = ("ana", "bob", "Carl@Example.com")[n % 3]
        fields = dict(model_used=("gpt-4o-mini", "gpt-4.1-mini")[n % 2], input_tokens=100 + n, output_tokens=10 * n,
                      cost_usd=Decimal(n) / 1000 if n % 5 else None,
                      cost_saved_usd=Decimal("0.5") if n % 7 == 0 else None,
                      cached_from="X" * 21 if n % 7 == 0 else None, usage_estimated=n % 4 == 0)
        if n % 6 == 0:
            fields.update(kind=IMAGE, image_tokens=1000)
        rows.append(record(f"prompt {n}", status=ERROR if n % 9 == 0 else COMPLETE, user=user,
                           minutes=-n * 7 * 60, **fields))
    return rows


@pytest.fixture
def pair(pg_schema, tmp_path):
    try:
        from genlib.backends.duckdb.store import DuckDBStore  # the layout of the storage seam (issue 10)
    except ImportError:
        from genlib.store import DuckDBStore

    duck, pg = DuckDBStore(tmp_path / "db.duckdb"), open_store(pg_schema)
    rows = _records()
    duck.write_batch(inserts=rows)
    insert_all(pg, rows)
    yield duck, pg, rows
    duck.close()
    pg.close()


# The DuckDB store's answers, through the seam's verbs when it has them (issue 10), else through
# the SQL it took before (drop that branch once the seam is merged).
def _duck_cube(duck, filters):
    if hasattr(duck, "cost_cube"):
        return duck.cost_cube(filters)
    from genlib import reports
    from genlib.filters import where_clause
    from genlib.store_sql import COST_CUBE

    if duck.rollup_watermark() is None:
        where, params = where_clause(filters)
        return duck.frame(COST_CUBE.format(where=where), params)
    captured, original = {}, duck.frame
    duck.frame = lambda query, params: captured.setdefault(query, original(query, params))
    try:
        reports.cost_report(duck, filters)
    finally:
        duck.frame = original
    return next(frame for query, frame in captured.items() if query.lstrip().startswith("WITH cells"))


def _duck_top_and_estimated(duck, filters):
    if hasattr(duck, "top_costs"):
        return duck.top_costs(filters), duck.estimated_tokens(filters)
    from genlib.filters import where_clause
    from genlib.store_sql import COST_TOP, ESTIMATED_TOKENS

    where, params = where_clause(filters)
    and_ = "AND" if where else "WHERE"
    return (duck.frame(COST_TOP.format(where=where, and_=and_), params),
            int(duck.frame(ESTIMATED_TOKENS.format(where=where, and_=and_), params).iloc[0, 0]))


def _duck_spend(duck, name: str, window, user):
    """spend / spend_by_user / hourly_spend / hour_generations of the DuckDB store."""
    if hasattr(duck, "spend"):
        method = getattr(duck, name)
        return method(window) if name == "spend_by_user" else method(window, user)
    from genlib.store_sql import BUDGET_QUERIES

    query = BUDGET_QUERIES[{"spend": "spent", "spend_by_user": "spent_by_user", "hourly_spend": "hourly",
                            "hour_generations": "hour_generations"}[name]]
    values = {"since": window.since, "until": window.until, "day": window.day, "fin": window.fin,
              "fout": window.fout, "user": user}
    params = {k: values[k] for k in set(re.findall(r"\$(\w+)", query))}  # DuckDB refuses unused ones
    if name == "spend":
        return {k: Decimal(v) for k, v in duck.row_dict(query, params).items()}
    return duck.frame(query, params)


FILTERS = [Filters(), Filters(visible_to="ana"), Filters(q="prompt 1"), Filters(date_from=date(2026, 10, 30)),
           Filters(kind=IMAGE, status=COMPLETE)]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_cost_cube_is_the_duckdb_stores(pair, filters):
    duck, pg, _ = pair
    pd.testing.assert_frame_equal(pg.cost_cube(filters), _duck_cube(duck, filters), check_exact=False)


def test_the_cost_cube_reads_folded_days_from_the_rollup_like_duckdb(pair):
    duck, pg, _ = pair
    duck.fold_rollup(until=date(2026, 10, 31))
    assert pg.fold_rollup(until=date(2026, 10, 31)) is True
    assert pg.rollup_watermark() == duck.rollup_watermark() == date(2026, 10, 31)
    for filters in (Filters(), Filters(visible_to="bob"), Filters(date_to=date(2026, 11, 1))):
        pd.testing.assert_frame_equal(pg.cost_cube(filters), _duck_cube(duck, filters), check_exact=False)


def test_top_costs_and_estimated_tokens_are_the_duckdb_stores(pair):
    duck, pg, _ = pair
    for filters in FILTERS:
        top, estimated = _duck_top_and_estimated(duck, filters)
        pd.testing.assert_frame_equal(pg.top_costs(filters), top, check_exact=False)
        assert pg.estimated_tokens(filters) == estimated


@pytest.mark.parametrize("rates", [(Decimal(0), Decimal(0)), (Decimal("0.000001"), Decimal("0.000004"))])
def test_budget_spend_is_the_duckdb_stores_to_the_last_digit(pair, rates):
    duck, pg, _ = pair
    window = Window(datetime(2026, 10, 1), datetime(2026, 11, 1), datetime(2026, 10, 31), *rates)
    by_user = _duck_spend(duck, "spend_by_user", window, None).sort_values("user_id").reset_index(drop=True)
    # records only; rollup + records; the window's last day folded in part, then further; rollup only
    for folded in (None, date(2026, 10, 27), datetime(2026, 10, 31, 5), datetime(2026, 10, 31, 12), date(2026, 11, 2)):
        if folded:
            pg.fold_rollup(until=folded)
        for user in ("ana", "carl@example.com", "nobody"):
            assert pg.spend(window, user) == _duck_spend(duck, "spend", window, user), folded
        mine = pg.spend_by_user(window)
        assert list(mine["user_id"]) == list(by_user["user_id"])
        assert [Decimal(str(v)) for v in mine["month_usd"]] == [Decimal(str(v)) for v in by_user["month_usd"]]
        assert [Decimal(str(v)) for v in mine["day_usd"]] == [Decimal(str(v)) for v in by_user["day_usd"]]
    hourly = _duck_spend(duck, "hourly_spend", window, "ana")
    assert pg.hourly_spend(window, "ana")[["user_id", "hour", "generations"]].values.tolist() == \
        hourly[["user_id", "hour", "generations"]].values.tolist()
    top = _duck_spend(duck, "hour_generations", window, "bob")
    assert list(pg.hour_generations(window, "bob")["id"]) == list(top["id"])


def test_replicas_folding_together_fold_each_day_once(pg_schema):
    import threading

    stores = [open_store(pg_schema, replica_id=f"replica-{n}") for n in range(3)]
    try:
        insert_all(stores[0], [record(f"day {n}", status=COMPLETE, minutes=-n * 24 * 60) for n in range(5)])
        barrier, folded = threading.Barrier(3), []

        def fold(store):
            barrier.wait()
            folded.append(store.fold_rollup(until=T0.date()))
        threads = [threading.Thread(target=fold, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cube = stores[1].cost_cube(Filters())
        assert cube.loc[cube["grouping"] == 7, "generations"].tolist() == [5]  # not 9, 13: folded once
        assert folded.count(True) == 1
    finally:
        for store in stores:
            store.close()


def test_no_day_with_a_live_record_is_folded(pg_schema):
    store = open_store(pg_schema)
    try:
        insert_all(store, [record("still live", minutes=-3 * 24 * 60),
                           record("done", status=COMPLETE, minutes=-2 * 24 * 60)])
        store.fold_rollup(until=T0.date())
        assert store.rollup_watermark() == (T0 - timedelta(days=3)).date()
    finally:
        store.close()


def test_maintain_folds_the_records_older_than_the_lag_at_most_once_a_minute(pg_schema):
    from genlib.backends.postgres.reports import FOLD_LAG
    from genlib.clock import utcnow

    store = open_store(pg_schema)
    try:
        now = utcnow()
        insert_all(store, [record("old", status=COMPLETE, created_utc=now - FOLD_LAG - timedelta(minutes=5)),
                           record("young", status=COMPLETE, created_utc=now - FOLD_LAG + timedelta(minutes=5))])
        store.maintain()
        folded_to = store.rollup_folded_to()
        assert now - FOLD_LAG <= folded_to <= utcnow() - FOLD_LAG
        with store.pool.connection() as con:
            assert con.execute("SELECT sum(generations) FROM cost_daily").fetchone()[0] == 1  # only the old one
        cube = store.cost_cube(Filters())
        assert cube.loc[cube["grouping"] == 7, "generations"].tolist() == [2]  # the young one from the table
        store.maintain()  # the persister calls this every tick: no second fold within the minute
        assert store.rollup_folded_to() == folded_to
    finally:
        store.close()


def test_maintain_merges_the_search_indexes_pending_lists(pg_schema):
    """Searches read a GIN index's pending list whole: the upkeep merges it (autovacuum may be off)."""
    from genlib.backends.postgres.pending import MERGE_PENDING

    store = open_store(pg_schema)
    try:
        insert_all(store, [record(f"words to index number {n}", status=COMPLETE, result_text=f"an answer {n} " * 20)
                           for n in range(60)])
        store.maintain()
        with store.pool.connection() as con:
            assert con.execute(MERGE_PENDING).fetchone()[0] == 0  # nothing left to merge
            insert_all(store, [record("one more", status=COMPLETE)])
            assert con.execute(MERGE_PENDING).fetchone()[0] > 0  # an insert goes to the pending lists
        assert store.search(Filters(q="number 17"), 1, 50).items[0].prompt == "words to index number 17"
    finally:
        store.close()


def test_set_prices_changes_the_costs_and_rebuilds_the_rollup(pg_schema):
    store = open_store(pg_schema)
    try:
        old = record("repriced", status=COMPLETE, minutes=-3 * 24 * 60)
        insert_all(store, [old])
        store.fold_rollup(until=T0.date())
        store.set_prices([(old.id, Decimal("2.5"), "prices-file")])
        assert (store.get(old.id).cost_usd, store.get(old.id).price_source) == (Decimal("2.5"), "prices-file")
        assert store.cost_cube(Filters())["cost_exact"].iloc[-1] == "2.500000000000000000"
        assert [g.id for g in store.priced_rows()] == [old.id]
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_writes_the_filtered_records_newest_first_with_progress(pair, tmp_path, fmt):
    _, pg, rows = pair
    seen = []
    dest = pg.export(Filters(visible_to="ana"), fmt, tmp_path / f"out.{fmt}", progress=lambda d, t: seen.append((d, t)))
    frame = read_export(dest, fmt)
    expected = sorted((g for g in rows if g.user_id == "ana"), key=lambda g: (g.created_utc, g.id), reverse=True)
    assert list(frame["id"]) == [g.id for g in expected]  # as History lists them (and DuckDB exports)
    assert seen[-1] == (12, 12)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no part file left


def test_csv_export_neutralizes_formulas_and_matches_duckdbs_columns(pair, tmp_path):
    duck, pg, _ = pair
    evil = record("=HYPERLINK(\"http://x\")", status=COMPLETE, result_text="+1 line\nsecond")
    duck.write_batch(inserts=[evil])
    insert_all(pg, [evil])
    mine = pd.read_csv(pg.export(Filters(q="HYPERLINK"), "csv", tmp_path / "pg.csv"))
    theirs = pd.read_csv(duck.export(Filters(q="HYPERLINK"), "csv", tmp_path / "duck.csv"))
    assert list(mine.columns) == list(theirs.columns)
    assert mine.loc[0, "prompt"] == theirs.loc[0, "prompt"] == "'=HYPERLINK(\"http://x\")"
    assert mine.loc[0, "result_text"] == "'+1 line\nsecond"
    assert mine.loc[0, "usage_estimated"] == theirs.loc[0, "usage_estimated"]


def test_export_refuses_an_unknown_format(pair, tmp_path):
    with pytest.raises(ValueError):
        pair[1].export(Filters(), "xlsx", tmp_path / "x.xlsx")


def test_a_nul_character_is_saved_as_a_replacement_character(pair):
    _, pg, _ = pair
    gen = record("nul \x00 in the prompt")
    pg.insert(gen)
    pg.write(pieces=[(gen.id, 1, "and \x00 in the answer", T0)])
    assert pg.get(gen.id).prompt == "nul \ufffd in the prompt"
    assert pg.get(gen.id).result_text == "and \ufffd in the answer"
