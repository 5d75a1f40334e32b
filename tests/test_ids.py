"""Generation ids: what the URL gate accepts, and why new ids never start with "-"."""
from __future__ import annotations

from genlib import looks_like_id, new_id


def test_new_ids_look_like_ids_and_never_start_with_a_dash():
    ids = [new_id() for _ in range(5000)]  # a plain nanoid starts with "-" once in 64 draws
    assert all(looks_like_id(i) for i in ids) and len(set(ids)) == len(ids)
    assert not any(i.startswith("-") for i in ids)


def test_older_ids_starting_with_a_dash_are_still_accepted():
    assert looks_like_id("-" + new_id()[1:])
    assert not looks_like_id("-") and not looks_like_id(new_id() + "x") and not looks_like_id(None)

