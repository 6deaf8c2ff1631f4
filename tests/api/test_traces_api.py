"""Issue N, part 2, through HTTP: a request is a server span named by its route template with
the request's correlation id, and the job it queued — run in a process of its own, which
exports over OTLP/HTTP — joins the request's trace: the job, its run and every stage."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import SpanKind

from tests.api.conftest import make_api
from tests.api.test_flow import upload_all
from tests.traces import one, parent_of, recorded

CID = "trace-test-correlation-1"


class Collector(ThreadingHTTPServer):
    """A stand-in OTLP/HTTP collector: keeps every span it is sent, by name."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.spans: list[dict] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Receive(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            role = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for s in scope.spans:
                    self.server.spans.append({
                        "name": s.name, "trace_id": s.trace_id.hex(),
                        "span_id": s.span_id.hex(), "parent": s.parent_span_id.hex(),
                        "process": role.get("smartalloc.process"),
                        "attributes": {a.key: a.value.string_value or a.value.int_value
                                       for a in s.attributes}})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_request_and_its_job_are_one_trace(sqlite_url, tmp_path: Path, small_agency,
                                             collector: Collector) -> None:
    spans = recorded()
    apis = make_api(sqlite_url, tmp_path / "data", queue="auto",
                    otlp_endpoint=collector.endpoint, rate_limit=0)
    api = next(apis)
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files,
                              headers={**api.auth("operator"), "X-Correlation-ID": CID})
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert api.wait(job_id)["state"] == "succeeded"
    next(apis, None)

    done = spans.get_finished_spans()
    request = one(done, "POST /api/v1/allocation/run")
    assert request.kind is SpanKind.SERVER
    assert request.attributes["http.route"] == "/api/v1/allocation/run"
    assert request.attributes["http.response.status_code"] == 202
    assert request.attributes["correlation_id"] == CID
    status = [s for s in done if s.name == "GET /api/v1/allocation/status/{job_id}"]
    assert status and not [s for s in done if job_id in s.name]   # the template, not the path
    job = one(done, "job")                       # in the service: the job's claim to its end
    assert job.context.trace_id == request.context.trace_id
    assert parent_of(job) == request.context.span_id
    assert (job.attributes["job_id"], job.attributes["correlation_id"]) == (job_id, CID)

    trace_id = format(request.context.trace_id, "032x")
    sent = {s["name"]: s for s in collector.spans if s["trace_id"] == trace_id}
    process = sent["job.process"]                # in the job's own process, over OTLP
    assert process["parent"] == format(job.context.span_id, "016x")
    assert process["process"] == "job"
    assert sent["run"]["parent"] == process["span_id"]
    for stage in ("run.read", "run.matrix", "run.allocate", "run.reports", "run.write"):
        assert sent[stage]["parent"] == sent["run"]["span_id"], stage
    assert sent["db.commit"]["parent"] == sent["db.transaction"]["span_id"]
    assert {s["attributes"]["correlation_id"] for s in sent.values()} == {CID}
