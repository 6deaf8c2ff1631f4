"""The pages read only what they show from a run's ``explain.sqlite`` (issue J at 100k): a
name search asks the name index the writer builds (FTS5 over ``match_key``, so Arabic ي/ك,
ZWNJ and digits match as they always did), an older file without the index is searched by the
scan with the same answers, and the results page's summary needs no student parsed."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from smartalloc.adapters import kept_view
from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer import run_views
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest

ZWNJ = "\u200c"


@pytest.fixture(scope="module")
def kept_run(small_agency, agency_policy, tmp_path_factory):
    """A service run of the small agency (explanations kept): its output folder."""
    tmp = tmp_path_factory.mktemp("kept-search")
    out = tmp / "out"
    run_allocation(RunRequest(resolve_inputs(small_agency.out_dir), agency_policy, out,
                              now="1404-09-15", explanations=True),
                   reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                   history=SqlStore(sqlite_url(tmp / "h.sqlite")))
    return out


def _copy(kept_run, tmp_path, name="explain.sqlite"):
    folder = tmp_path / "run"
    folder.mkdir()
    shutil.copyfile((kept_run / "explain.sqlite").resolve(), folder / name)
    return folder


def _unindexed(folder):
    """The file as an older writer kept it: no name index."""
    with sqlite3.connect(folder / "explain.sqlite") as con:
        con.execute("DROP TABLE names")
        con.execute("DELETE FROM meta WHERE name = 'search'")


def test_the_writer_indexes_every_kept_name(kept_run):
    con = sqlite3.connect((kept_run / "explain.sqlite").resolve())
    assert kept_view.indexed(con)
    students = con.execute("SELECT COUNT(*) FROM students").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM names").fetchone()[0] == students > 0


def test_arabic_letters_and_zwnj_find_the_student_through_the_index(kept_run, tmp_path):
    folder = _copy(kept_run, tmp_path)
    path = folder / "explain.sqlite"
    with sqlite3.connect(path) as con:   # a student whose name is written with a ZWNJ
        nid = con.execute("SELECT national_id FROM students ORDER BY idx LIMIT 1 OFFSET 7"
                          ).fetchone()[0]
        con.execute("UPDATE students SET name = ? WHERE national_id = ?",
                    (f"علی{ZWNJ}رضا کاظمی{ZWNJ}نژاد", nid))
        con.execute("DROP TABLE names")
        con.execute("DELETE FROM meta WHERE name = 'search'")
        kept_view.write_name_index(con)      # the writer's own index of that name
    with sqlite3.connect(path) as con:       # the search must come from the index
        con.execute("UPDATE students SET name = 'renamed after indexing' "
                    "WHERE national_id = ?", (nid,))
    for query in ("علي رضا",              # Arabic ي, a space for the ZWNJ
                  f"علي{ZWNJ}رضا",         # Arabic ي with the ZWNJ
                  "كاظمي نژاد",            # Arabic ك and ي
                  "رضا كاظمی",             # across first and last name
                  "ژا"):                    # shorter than a trigram
        found = run_views.search(folder, query, ExplainFile)
        assert nid in [s.national_id for s in found], query


def test_an_older_file_without_the_index_searches_the_same(kept_run, tmp_path):
    indexed = _copy(kept_run, tmp_path)
    older = tmp_path / "older"
    shutil.copytree(indexed, older)
    _unindexed(older)
    con = sqlite3.connect(indexed / "explain.sqlite")
    names = [r[0] for r in con.execute("SELECT name FROM students ORDER BY idx LIMIT 40")]
    con.close()
    queries = {q for n in names for q in (n, n.split(" ")[0], n.split(" ")[-1], n[:2], n[1:4],
                                          n.replace("ی", "ي").replace("ک", "ك"))}
    assert len(queries) > 40
    for q in sorted(queries):
        by_index = run_views.search(indexed, q, ExplainFile)
        assert by_index == run_views.search(older, q, ExplainFile), q
        assert by_index, q                    # every query is part of some student's name


def test_national_id_search_stays_exact(kept_run, tmp_path):
    folder = _copy(kept_run, tmp_path)
    con = sqlite3.connect(folder / "explain.sqlite")
    nid = con.execute("SELECT national_id FROM students ORDER BY idx LIMIT 1").fetchone()[0]
    con.close()
    persian = nid.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert [s.national_id for s in run_views.search(folder, persian, ExplainFile)] == [nid]
    assert run_views.search(folder, nid[:-1], ExplainFile) == []     # no prefix match
    assert run_views.find(folder, nid, ExplainFile).national_id == nid


def test_the_summary_is_the_kept_view_without_students(kept_run, tmp_path):
    folder = _copy(kept_run, tmp_path)
    path = folder / "explain.sqlite"
    whole = ExplainFile(path).results()
    summary = ExplainFile(path).summary()
    assert (summary.occupancy, summary.by_keys, summary.plan) == (
        whole.occupancy, whole.by_keys, whole.plan) and summary.students == []
    with sqlite3.connect(path) as con:     # kept before summaries: from its unallocated
        con.execute("DELETE FROM meta WHERE name = 'results'")
    older = ExplainFile(path)
    assert older.summary().by_keys == older.results().by_keys != []
