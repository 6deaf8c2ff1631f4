"""Issue N, part 2: traces are off unless an OTLP endpoint is set; every span carries the
correlation id the log lines carry, and log lines inside a span carry its trace and span ids;
a job joins the trace of the request that queued it through a carrier."""

from __future__ import annotations

import contextvars
import json
import os
import subprocess
import sys

import pytest
import structlog
from opentelemetry import trace

from smartalloc.entrypoints import telemetry
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api.settings import OPTIONS, Settings
from smartalloc.entrypoints.telemetry_sdk import traces_url
from smartalloc.service_layer.tracing import CORRELATION_ID, add_trace_ids, span
from tests.traces import one, parent_of, recorded

PROBE = """
import json, sys
from opentelemetry import trace
from smartalloc.entrypoints import telemetry
provider = telemetry.configure_from_settings("cli")
found = {"provider": provider is not None, "sdk_loaded": "opentelemetry.sdk" in sys.modules,
         "global": type(trace.get_tracer_provider()).__name__}
if provider is not None:
    processors = provider._active_span_processor._span_processors
    found["processors"] = [type(p).__name__ for p in processors]
    found["endpoint"] = processors[-1].span_exporter._endpoint
    found["service"] = provider.resource.attributes["service.name"]
print(json.dumps(found))
"""


def _probe(tmp_path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    clean.update(SMARTALLOC_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=os.pathsep.join(sys.path),
                 **env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_off_by_default_no_exporter_and_no_sdk(tmp_path):
    found = _probe(tmp_path)
    assert found == {"provider": False, "sdk_loaded": False, "global": "ProxyTracerProvider"}
    assert Settings(database_url="sqlite://", data_dir=tmp_path, jwt_secret="x").otlp_endpoint == ""


def test_the_standard_variable_switches_on_otlp_http(tmp_path):
    found = _probe(tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318/",
                   OTEL_SERVICE_NAME="agency-7")
    assert found["provider"] and found["global"] == "TracerProvider"
    assert found["processors"] == ["CorrelationIds", "BatchSpanProcessor"]
    assert found["endpoint"] == "http://collector:4318/v1/traces"
    assert found["service"] == "agency-7"


def test_the_settings_table_names_the_standard_variables(monkeypatch, tmp_path):
    by_key = {o.key: o for o in OPTIONS}
    assert by_key["otlp_endpoint"].env == telemetry.ENDPOINT_ENV
    assert by_key["otel_service_name"].env == telemetry.SERVICE_ENV
    assert by_key["otlp_endpoint"].default == ""
    monkeypatch.setenv("SMARTALLOC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    settings = Settings.from_env(require_secret=False, require_key=False)
    assert (settings.otlp_endpoint, settings.otel_service_name) == (
        "http://127.0.0.1:4318", "smartalloc")
    assert traces_url("http://c:4318/v1/traces") == "http://c:4318/v1/traces"


def test_every_span_carries_the_correlation_id():
    spans = recorded()
    with structlog.contextvars.bound_contextvars(correlation_id="req-1"), span("outer"):
        pass
    with span("parent") as parent:
        parent.set_attribute("marker", 1)
    # a child whose own context binds no id inherits its parent's
    with structlog.contextvars.bound_contextvars(correlation_id="req-2"), span("p2"):
        contextvars.Context().run(_child_of, trace.get_current_span())
    done = spans.get_finished_spans()
    assert one(done, "outer").attributes[CORRELATION_ID] == "req-1"
    root = one(done, "parent")   # no request: the trace id is the correlation id
    assert root.attributes[CORRELATION_ID] == format(root.context.trace_id, "032x")
    assert one(done, "child").attributes[CORRELATION_ID] == "req-2"


def _child_of(parent) -> None:
    with trace.use_span(parent, end_on_exit=False), span("child"):
        pass


def test_log_lines_inside_a_span_name_it(capsys):
    recorded()
    obs.configure_logging()
    logger = structlog.get_logger("smartalloc.test")
    logger.info("outside")
    with span("work") as current:
        logger.info("inside")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    outside, inside = (next(x for x in lines if x["event"] == e) for e in ("outside", "inside"))
    assert "trace_id" not in outside and "span_id" not in outside
    assert inside["trace_id"] == format(current.get_span_context().trace_id, "032x")
    assert inside["span_id"] == format(current.get_span_context().span_id, "016x")
    assert add_trace_ids(None, "info", {}) == {}


def test_a_job_joins_the_trace_of_the_request_that_queued_it():
    spans = recorded()
    with structlog.contextvars.bound_contextvars(correlation_id="req-9"), span("request"):
        handed = telemetry.carrier()
    assert set(handed) == {"traceparent", CORRELATION_ID}
    seen = contextvars.Context().run(_job, handed)   # another thread's (or process's) context
    done = spans.get_finished_spans()
    request, job = one(done, "request"), one(done, "job")
    assert job.context.trace_id == request.context.trace_id
    assert parent_of(job) == request.context.span_id
    assert job.attributes[CORRELATION_ID] == "req-9" == seen
    assert job.attributes["job_id"] == "j-1"


def _job(handed: dict) -> str:
    assert structlog.contextvars.get_contextvars().get(CORRELATION_ID) is None
    with telemetry.joined(handed, "job", job_id="j-1"):
        return structlog.contextvars.get_contextvars()[CORRELATION_ID]


@pytest.mark.parametrize("status", [200, 503])
def test_a_request_span_is_named_by_its_route_template(status):
    spans = recorded()
    with telemetry.server_span("GET", {}) as current:
        telemetry.name_request(current, "GET", "/api/v1/allocation/status/{job_id}", status)
    done = one(spans.get_finished_spans(), "GET /api/v1/allocation/status/{job_id}")
    assert done.kind is trace.SpanKind.SERVER
    assert done.attributes["http.response.status_code"] == status
    assert (done.status.status_code is trace.StatusCode.ERROR) == (status >= 500)
