"""The all-users Costs page on PostgreSQL reads the rollup without its user dimension (migration 12):
the same cube as from every raw row, with the days not folded yet read from the records, after a
fold, a rebuild, a sign-in taking over legacy rows, and on a database opened from before migration 12."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from genlib.filters import Filters
from genlib.records import COMPLETE, IMAGE
from tests.backends.pgrecords import T0, insert_all, open_store, record

FOLD_UNTIL = (T0 - timedelta(days=4)).date()  # rows of the last four days stay a tail of raw records


def _rows():
    out = []
    for n in range(40):
        fields = dict(model_used=("gpt-4o-mini", "gpt-4.1", "llama")[n % 3], input_tokens=50 + n, output_tokens=n,
                      cost_usd=Decimal(n + 1) / 997 if n % 4 else None, usage_estimated=n % 5 == 0,
                      cost_saved_usd=Decimal("0.25") if n % 9 == 0 else None,
                      cached_from="C" * 21 if n % 9 == 0 else None)
        if n % 7 == 0:
            fields.update(kind=IMAGE, image_tokens=500)
        out.append(record(f"p{n}", status=COMPLETE, user=("ana", "bob", "ana@example.com", "dee")[n % 4],
                          minutes=-n * 5 * 60, **fields))
    return out


def _raw_cube(store, filters: Filters) -> pd.DataFrame:
    """The cube from every record (no rollup): what the page showed before any fold."""
    from genlib.backends.postgres import reports_sql as q
    from genlib.backends.postgres.where import where_clause

    where, params = where_clause(filters)
    return store._frame(q.COST_CUBE.format(where=where), params).astype({"day": "datetime64[us]"})


CHECKED = [Filters(), Filters(date_from=date(2026, 10, 27)), Filters(date_to=date(2026, 10, 30)),
           Filters(visible_to="bob"), Filters(user_id="ana@example.com")]


@pytest.fixture
def store(pg_schema):
    store = open_store(pg_schema)
    insert_all(store, _rows())
    yield store
    store.close()


def _same(store):
    for filters in CHECKED:
        pd.testing.assert_frame_equal(store.cost_cube(filters), _raw_cube(store, filters), check_exact=False)


def test_folded_days_and_the_raw_tail_add_up_to_the_raw_cube(store):
    assert store.fold_rollup(until=FOLD_UNTIL)
    with store.pool.connection() as con:
        assert con.execute("SELECT count(*) FROM cost_daily_models").fetchone()[0] > 0
    _same(store)
    insert_all(store, [record("today", status=COMPLETE, minutes=5, cost_usd=Decimal("1.5"), model_used="new")])
    _same(store)  # a record after the watermark counts at once
    assert store.fold_rollup(until=T0.date() + timedelta(days=1))
    _same(store)


def test_folds_within_a_day_add_to_its_cells(store):
    """The watermark is a time: a day is folded in parts, each added to the cells of its earlier ones."""
    for until in (FOLD_UNTIL, T0 - timedelta(hours=30), T0 - timedelta(hours=27), T0 - timedelta(hours=2)):
        assert store.fold_rollup(until=until)
        assert store.rollup_folded_to() == (until if isinstance(until, datetime) else datetime.combine(until, time.min))
        _same(store)
    with store.pool.connection() as con:  # one cell per day, model, user and kind, however many folds
        assert con.execute("SELECT sum(generations) FROM cost_daily").fetchone()[0] == \
            sum(r.created_utc < T0 - timedelta(hours=2) for r in _rows())


def test_a_rebuild_and_a_sign_in_keep_the_slim_rollup_in_step(store):
    store.fold_rollup(until=FOLD_UNTIL)
    with store.pool.connection() as con, con.transaction():
        store.rebuild_rollup(con)
    _same(store)
    store.sign_in("iss#ana", "iss", "ana", "ana@example.com", True, take_over="ana@example.com")
    cube = store.cost_cube(Filters())
    users = cube[cube["grouping"] == 6]
    assert "ana@example.com" not in set(users["user_id"]) and "iss#ana" in set(users["user_id"])
    _same(store)


def test_a_database_from_before_migration_12_opens_with_its_folded_days_in_the_slim_rollup(pg_schema):
    old = open_store(pg_schema, target_version=11)
    insert_all(old, _rows())
    from genlib.backends.postgres import reports_sql as q

    with old.pool.connection() as con, con.transaction():  # the fold of that version's code
        con.execute(f"INSERT INTO cost_daily SELECT {q.CONTRIBUTION} FROM generations WHERE created_utc < %s "
                    "GROUP BY 1, 2, 3, 4", (FOLD_UNTIL,))
        con.execute("UPDATE cost_daily_state SET folded_until = %s", (FOLD_UNTIL,))
    old.close()
    new = open_store(pg_schema)
    try:
        with new.pool.connection() as con:
            names = {r[0] for r in con.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s",
                                               (pg_schema.schema,))}
        assert {"generations_status_newest", "generations_cost_top", "generations_estimated"} <= names
        assert new.rollup_folded_to() == datetime.combine(FOLD_UNTIL, time.min)  # migration 17: the day as a time
        _same(new)
        with new.pool.connection() as con:  # a rewound ledger row: applied again, nothing doubled
            con.execute("DELETE FROM genlib_migrations WHERE version = 12")
        assert new.migrate() == [12]
        _same(new)
    finally:
        new.close()
