"""A real agency's first week (issue G, D16): unmapped managers stop the run; `run --agency DIR`
uses the agency's own policy.json and says which policy ran."""

from __future__ import annotations

import shutil

from python_calamine import CalamineWorkbook

from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.allocation_report import ALLOCATIONS_SHEET, OUTCOME_CODE
from tests.outputs import run_facts, visible
from tests.policies import REAL_NAMES, make_policy

from .test_cli_run import OUTPUTS, cli, sheet


def sheet_names(path) -> list[str]:
    return CalamineWorkbook.from_path(str(path)).sheet_names


def test_the_built_in_policy_on_unmapped_managers_stops_before_any_output(real_agency, tmp_path):
    shipped = tmp_path / "shipped.json"
    shipped.write_text(load_policy(None).model_dump_json(), "utf-8")
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    done = cli("run", "--agency", str(real_agency.out_dir), "--policy", str(shipped),
               "--out", str(out), "--database-url", f"sqlite:///{db}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "FAILED_PRE_QA" in done.stderr and "CENTRE_UNMAPPED" in done.stderr
    assert "smartalloc setup" in done.stderr
    assert not any(name in done.stderr for name in REAL_NAMES)   # rows, not names
    assert not out.exists() or not any(out.iterdir())            # nothing published
    history = cli("history", "search", "--national-id", "0000000000",
                  "--database-url", f"sqlite:///{db}")
    assert "no allocation recorded" in history.stdout


def test_run_agency_uses_the_agencys_policy_json_and_names_it_first(real_agency, tmp_path):
    out = tmp_path / "out"
    done = cli("run", "--agency", str(real_agency.out_dir), "--out", str(out),
               "--database-url", f"sqlite:///{tmp_path / 'h.sqlite'}")
    assert done.returncode == 0, done.stdout + done.stderr
    stamp = load_policy(real_agency.policy).stamp
    first = done.stderr.strip().splitlines()[0]
    assert str(real_agency.policy) in first and stamp in first
    assert set(visible(out)) == OUTPUTS
    meta = run_facts(out / "allocation.xlsx")
    assert meta["policy_stamp"] == stamp and meta["qa_status"] == "PASSED_QA"
    managers = sheet(out / "eligibility_matrix.xlsx", "managers")[1:]
    assert {r[0]: r[2] for r in managers if r[0] in REAL_NAMES} == REAL_NAMES


def test_an_explicit_policy_wins_over_the_agencys_own(real_agency, tmp_path):
    other = tmp_path / "other.json"
    policy = make_policy(center_manager_map={**REAL_NAMES, "*": 0}, version="9.9.9")
    other.write_text(policy.model_dump_json(), "utf-8")
    done = cli("matrix", "--agency", str(real_agency.out_dir), "--out", str(tmp_path / "m"),
               "--policy", str(other))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{other} ({policy.stamp})" in done.stderr.splitlines()[0]


def _db(tmp_path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'h.sqlite'}"]


def _copy_without_policy(agency, tmp_path):
    folder = tmp_path / "agency"
    shutil.copytree(agency.out_dir, folder)
    (folder / "policy.json").unlink()
    return folder


def test_setup_without_answers_and_without_input_stops_naming_rows(real_agency, tmp_path):
    folder = _copy_without_policy(real_agency, tmp_path)
    done = cli("setup", "--agency", str(folder), *_db(tmp_path), "--no-input")
    assert done.returncode == 2 and "CENTRE_UNMAPPED" in done.stderr
    assert not (folder / "policy.json").exists()


def test_setup_answers_then_run_allocates_the_centres_students(real_agency, tmp_path):
    folder = _copy_without_policy(real_agency, tmp_path)
    answers = [a for name, c in REAL_NAMES.items() for a in ("--centre", f"{name}={c}")]
    done = cli("setup", "--agency", str(folder), *_db(tmp_path), "--no-input",
               "--default-centre", "0", *answers)
    assert done.returncode == 0, done.stdout + done.stderr
    written = load_policy(folder / "policy.json")
    assert written.center_manager_map == {**REAL_NAMES, "*": 0}
    assert written.academic_year == 1404           # roster and file names agree
    out = tmp_path / "out"
    ran = cli("run", "--agency", str(folder), "--out", str(out),
              "--database-url", f"sqlite:///{tmp_path / 'h.sqlite'}")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "took its default (*)" in ran.stdout                 # the fallbacks are said
    rows = sheet(out / "allocation.xlsx", ALLOCATIONS_SHEET)
    centre, status = rows[0].index("مرکز گلستان صدرا"), rows[0].index(OUTCOME_CODE)
    placed = {int(r[centre]) for r in rows[1:] if r[status] == "ALLOCATED"}
    assert placed == {0, 1, 2}


def test_setup_asks_each_manager_and_reads_persian_digits(real_agency, tmp_path):
    folder = _copy_without_policy(real_agency, tmp_path)
    managers = sheet(real_agency.inspactor, sheet_names(real_agency.inspactor)[0])
    column = managers[0].index("نام مدیر")
    names = list(dict.fromkeys(r[column] for r in managers[1:]))
    replies = ["۱" if n == "زهرا کاظمی‌نژاد" else "2" if n == "مریم رضایی‌فر" else "0"
               for n in names]
    done = cli("setup", "--agency", str(folder), *_db(tmp_path),
               input="\n".join(["7", *replies]) + "\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "one of [0, 1, 2]" in done.stderr                  # 7 is asked again
    assert load_policy(folder / "policy.json").center_manager_map == {
        n: REAL_NAMES.get(n, 0) for n in names}


def test_setup_asks_for_the_year_when_roster_and_file_names_disagree(real_agency, tmp_path):
    folder = _copy_without_policy(real_agency, tmp_path)
    for path in folder.glob("*1404_08_27*"):                  # exports of the next year
        path.rename(path.with_name(path.name.replace("1404_08_27", "1405_05_02")))
    answers = ["--default-centre", "0"]
    done = cli("setup", "--agency", str(folder), *_db(tmp_path), "--no-input", *answers)
    assert done.returncode == 2 and "YEAR_UNCERTAIN" in done.stderr
    assert "roster: 1404" in done.stdout and "file names: 1405" in done.stdout
    done = cli("setup", "--agency", str(folder), *_db(tmp_path), *answers, input="1405\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert load_policy(folder / "policy.json").academic_year == 1405


def test_the_stored_profile_serves_runs_whose_policy_names_no_manager(real_agency, tmp_path):
    folder = _copy_without_policy(real_agency, tmp_path)
    answers = [a for name, c in REAL_NAMES.items() for a in ("--centre", f"{name}={c}")]
    done = cli("setup", "--inspactor", str(real_agency.inspactor), *_db(tmp_path), "--no-input",
               "--default-centre", "0", "--reason", "هفته اول", *answers)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "version 1 stored" in done.stdout
    assert not (folder / "policy.json").exists()              # no --agency, no --out: only the db
    out = tmp_path / "out"
    ran = cli("run", "--agency", str(folder), "--out", str(out), *_db(tmp_path))
    assert ran.returncode == 0, ran.stdout + ran.stderr         # the built-in policy + profile
    meta = run_facts(out / "allocation.xlsx")
    assert meta["agency_profile_version"] == "1" and meta["qa_status"] == "PASSED_QA"
    # a policy that names managers itself is explicit and wins over the stored profile
    explicit = tmp_path / "explicit.json"
    explicit.write_text(load_policy(real_agency.policy).model_dump_json(), "utf-8")
    again = cli("run", "--agency", str(folder), "--policy", str(explicit), "--out",
                str(tmp_path / "out2"), *_db(tmp_path))
    assert again.returncode == 0, again.stdout + again.stderr
    meta = run_facts(tmp_path / "out2" / "allocation.xlsx")
    assert meta["agency_profile_version"] == ""


def test_a_policy_of_another_year_than_the_files_stops_the_run(real_agency, tmp_path):
    wrong = tmp_path / "wrong-year.json"
    wrong.write_text(load_policy(real_agency.policy).model_copy(
        update={"academic_year": 1405}).model_dump_json(), "utf-8")
    out = tmp_path / "out"
    done = cli("run", "--agency", str(real_agency.out_dir), "--policy", str(wrong), "--out",
               str(out), *_db(tmp_path))
    assert done.returncode == 2 and "YEAR_MISMATCH" in done.stderr
    assert not out.exists() or not any(out.iterdir())
    said = cli("run", "--agency", str(real_agency.out_dir), "--policy", str(wrong), "--year",
               "1405", "--out", str(out), *_db(tmp_path))
    assert said.returncode == 0, said.stdout + said.stderr
    assert "academic year 1405 was used" in said.stdout.replace("\n", " ")
