"""Every metric the dashboards and alert rules query is one the service really exports, read
from its /metrics after a real allocation job on the small synthetic agency: a renamed or
removed metric breaks this test, not a dashboard silently showing "No data" in production.
Histogram series (``_bucket``, ``_sum``, ``_count``) are checked against the type of their
family; the closed label sets the files match on (outcome, status, band, stage) against the
values the service exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api, make_api
from tests.api.test_flow import upload_all
from tests.ops.promql import DASHBOARDS, all_exprs, matchers, metric_names

CLOSED_LABELS = ("outcome", "status", "band", "stage")
SUFFIXES = {"_bucket": ("histogram",), "_sum": ("histogram", "summary"),
            "_count": ("histogram", "summary")}


@pytest.fixture(scope="module")
def service(small_agency, tmp_path_factory) -> Iterator[Api]:
    folder: Path = tmp_path_factory.mktemp("ops-metrics")
    yield from make_api(f"sqlite:///{folder / 'smartalloc.sqlite'}", folder / "data")


Series = dict[tuple[str, frozenset], float]


def scrape(service: Api) -> tuple[dict[str, str], dict[str, set[str]], Series]:
    """{sample name: family type}, {label: values seen}, {(sample, labels): value}."""
    types: dict[str, str] = {}
    labels: dict[str, set[str]] = {}
    values: Series = {}
    for family in text_string_to_metric_families(service.client.get("/metrics").text):
        types[family.name] = family.type
        for sample in family.samples:
            types[sample.name] = family.type
            values[sample.name, frozenset(sample.labels.items())] = sample.value
            for label, value in sample.labels.items():
                labels.setdefault(label, set()).add(value)
    return types, labels, values


@pytest.fixture(scope="module")
def exported(service: Api, small_agency):
    """/metrics after one real allocation job (and an API read), with the job's result and
    what the run added to each series (the registry is the test process's: other tests' jobs
    are in it too)."""
    before = scrape(service)[2]
    files = upload_all(service, small_agency)
    started = service.client.post("/api/v1/allocation/run", json=files,
                                  headers=service.auth("operator"))
    assert started.status_code == 202, started.text
    status = service.wait(started.json()["job_id"])
    assert status["state"] == "succeeded", status
    service.client.get("/api/v1/mentors", headers=service.auth("viewer"))
    types, labels, values = scrape(service)
    added = {k: v - before.get(k, 0.0) for k, v in values.items()}
    return types, labels, values, added, status["result"]


def exported_as(name: str, samples: dict[str, str]) -> bool:
    """``name`` is a series the service exports: a counter's ``_total``, a gauge, or a
    histogram's ``_bucket``/``_sum``/``_count`` (their family of the right type)."""
    for suffix, types in SUFFIXES.items():
        if name.endswith(suffix) and samples.get(name.removesuffix(suffix)) in types:
            return name in samples
    if name.endswith("_total"):    # a labelled counter with no child yet: its family only
        return samples.get(name.removesuffix("_total")) == "counter"
    return samples.get(name) == "gauge"


def test_the_extraction_finds_names_and_nothing_else() -> None:
    expr = ('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_'
            'bucket{route!~"/metrics|.*/import"}[5m]))) > 1 and on() time() - max('
            'relay_last_batch_timestamp_seconds{job="smartalloc-relay"} offset 1h) > 300')
    assert metric_names(expr) == {"http_request_duration_seconds_bucket",
                                  "relay_last_batch_timestamp_seconds"}
    assert ("route", "!~", "/metrics|.*/import") in matchers(expr)


def test_the_files_query_the_run_metrics() -> None:
    """Guards the test below against an extraction that finds nothing (every check passes)."""
    names = set().union(*(metric_names(e) for exprs in all_exprs().values() for e in exprs))
    assert len(DASHBOARDS) == 4
    assert {"allocation_students_total", "allocation_stage_duration_seconds_bucket",
            "mentor_occupancy_ratio_bucket", "mentors_by_occupancy", "allocation_qa_total",
            "http_request_duration_seconds_bucket", "relay_last_batch_timestamp_seconds",
            } <= names


def test_every_queried_metric_is_exported(exported) -> None:
    samples = exported[0]
    missing = {f"{where}: {name}" for where, exprs in all_exprs().items() for e in exprs
               for name in metric_names(e) if not exported_as(name, samples)}
    assert not missing, sorted(missing)


def test_closed_label_values_are_exported(exported) -> None:
    labels = exported[1]
    wrong = set()
    for where, exprs in all_exprs().items():
        for label, op, value in (m for e in exprs for m in matchers(e)):
            if label in CLOSED_LABELS:
                for one in (value.split("|") if op in ("=~", "!~") else [value]):
                    if one not in labels[label]:
                        wrong.add(f"{where}: {label}{op}{one!r}")
    assert not wrong, sorted(wrong)


def one(series: Series, name: str, **labels: str) -> float:
    return series[name, frozenset(labels.items())]


def test_a_run_records_its_result(exported) -> None:
    """The series hold the job's result, not only their declaration at zero."""
    _, _, values, added, result = exported
    counts = result["counts"]
    assert counts["allocated"] > 0 and counts.get("DATA_MISSING", 0) > 0
    for outcome in ("allocated", "DATA_MISSING", "CAPACITY_FULL", "DUPLICATE",
                    "ELIGIBILITY_NO_MATCH"):
        assert one(added, "allocation_students_total", outcome=outcome) == counts.get(
            outcome, 0), outcome
    assert one(added, "allocation_qa_total", status=result["qa_status"]) == 1
    assert one(added, "allocation_warnings_total") == len(result["warnings"])
    for stage in ("read", "matrix", "allocate", "reports", "write", "publish"):
        assert one(added, "allocation_stage_duration_seconds_count", stage=stage) == 1, stage
        assert one(added, "allocation_stage_duration_seconds_sum", stage=stage) == pytest.approx(
            result["timings"][stage], abs=1e-6), stage
    mentors = one(added, "mentor_occupancy_ratio_count")
    assert mentors > 0
    bands = [one(values, "mentors_by_occupancy", band=b)
             for b in ("under_90", "90_to_99", "full", "over")]
    assert sum(bands) == mentors     # the gauge is the last run's mentors, band by band
    assert 0 < one(added, "mentor_occupancy_ratio_sum") <= mentors * 2
