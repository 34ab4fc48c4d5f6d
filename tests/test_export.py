"""`widen export --csv`: the UI's filters, every matching row exactly once, in id order, streamed."""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import widen
from test_datasette import app, make_db

from crawlers.cli import main
from crawlers.export import ExportFilter, write_csv
from crawlers.schema import FIELD_NAMES


def run(db: Path, *args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["export", "--csv", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def sql_ids(db: Path, where: str = "1") -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [i for (i,) in conn.execute(f"select id from opportunities where {where} order by id")]
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "widen.db")


def test_full_export_has_every_field_and_row_in_id_order(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    r = widen("export", "--csv", "--db", str(db), "-o", str(out))  # the real console entry point
    assert r.returncode == 0, r.stderr
    assert "exported 11 opportunities" in r.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert tuple(next(reader)) == FIELD_NAMES
        ids = [row[0] for row in reader]
    assert ids == sql_ids(db)


@pytest.mark.parametrize(("args", "where"), [
    (["--kind", "board_seat,volunteer_role"], "kind in ('board_seat', 'volunteer_role')"),
    (["--region", "ON"], "region = 'ON'"),
    (["--source", "grp", "--source", "brd"], "source in ('grp', 'brd')"),
    (["--audience", "women"], "audiences like '%\"women\"%'"),
    (["--exclude-audience", "tech,founders"],
     "coalesce(audiences, '') not like '%\"tech\"%' and coalesce(audiences, '') not like '%\"founders\"%'"),
    (["--new-audiences", "women,tech,data"], "title in ('Veterans Lunch', 'Floating Mixer', 'All-day Expo', "
     "'UTC Webinar', 'Cancelled Roundtable', 'Founders Coffee', 'Board Treasurer', 'Youth Coding Mentor', "
     "'Food Pantry Shift Lead')"),
    (["--new-only"], "new_audiences is not null and new_audiences != '[]'"),
    (["--since", "2026-03-10", "--until", "2026-03-13"], "start >= '2026-03-10' and start < '2026-03-13'"),
    (["--kind", "networking_event", "--region", "IL", "--exclude-audience", "women"],
     "kind = 'networking_event' and region = 'IL' and coalesce(audiences, '') not like '%\"women\"%'"),
])
def test_filters(db: Path, args: list[str], where: str) -> None:
    want = sql_ids(db, where)
    assert want, "the filter must select something for the test to mean anything"
    assert [r["id"] for r in run(db, *args)] == want


def test_new_only_follows_the_imported_profile_when_there_is_one(db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("create table network_audiences (audience text primary key, weight real)")
        conn.executemany("insert into network_audiences values (?, 1)",
                         [(a,) for a in ("tech", "women", "finance", "accounting", "founders", "small_business")])
    conn.close()
    titles = {r["title"] for r in run(db, "--new-only", "--kind", "networking_event,board_seat")}
    assert titles == {"Veterans Lunch", "All-day Expo", "UTC Webinar", "Cancelled Roundtable"}


def test_bad_arguments_fail_with_a_clear_message(db: Path) -> None:
    r = CliRunner().invoke(main, ["export", "--db", str(db), "--kind", "party"])
    assert r.exit_code == 2 and "unknown kind party" in r.output
    r = CliRunner().invoke(main, ["export", "--db", str(db), "--since", "next tuesday"])
    assert r.exit_code == 2 and "--since" in r.output
    r = CliRunner().invoke(main, ["export", "--db", str(db.with_name("missing.db"))])
    assert r.exit_code == 2 and "no such database" in r.output


@pytest.mark.parametrize(("cli", "ui"), [
    (["--kind", "networking_event", "--region", "IL"], "kind=networking_event&region=IL"),
    (["--exclude-audience", "women,founders"], "_exclude_audiences=women,founders"),
    (["--new-audiences", "tech,women"], "_new_audiences=tech,women"),
    (["--audience", "youth"], "_audiences=youth"),
])
async def test_same_rows_as_the_ui_csv(db: Path, cli: list[str], ui: str) -> None:
    r = await app(db).client.get(f"/widen/opportunities.csv?_stream=on&{ui}")
    assert r.status_code == 200
    ui_ids = [row["id"] for row in csv.DictReader(io.StringIO(r.text))]
    assert [row["id"] for row in run(db, *cli)] == ui_ids and ui_ids


def _bulk(path: Path, n: int) -> Path:
    make_db(path, [])
    rnd = random.Random(n)
    numbers = list(range(n))
    rnd.shuffle(numbers)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO opportunities (id, kind, title, source, region, description) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         [(f"b:{i:07d}", rnd.choice(["board_seat", "volunteer_role"]), f"Role {i}, \"quoted\"", "b",
                           rnd.choice(["IL", "ON"]), "x" * 200) for i in numbers])
    conn.close()
    return path


def test_memory_stays_flat_as_rows_grow(tmp_path: Path) -> None:
    peaks = {}
    for n in (12_000, 48_000):  # both above the 5,000-row fetch
        db = _bulk(tmp_path / f"b{n}.db", n)
        sink = io.StringIO()
        tracemalloc.start()
        written = write_csv(str(db), _Discard(sink), ExportFilter(regions=["IL"]))
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert written == len(sql_ids(db, "region = 'IL'"))
    assert peaks[48_000] < 1.5 * peaks[12_000], peaks  # 4x the rows, about the same peak


class _Discard(io.TextIOBase):
    """A text sink that forgets what it is given (so only the exporter's own memory is traced)."""

    def __init__(self, _: object) -> None:
        super().__init__()

    def write(self, s: str) -> int:
        return len(s)


def test_every_row_once_across_many_fetches(tmp_path: Path) -> None:
    db = _bulk(tmp_path / "many.db", 12_345)  # more than two fetch batches of 5,000
    rows = run(db)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 12_345 and ids == sorted(ids)
    assert rows[0]["title"].endswith(', "quoted"')  # quoting survives the round trip
