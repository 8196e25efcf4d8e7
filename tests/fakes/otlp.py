"""A local fake OpenTelemetry collector: OTLP/HTTP ``POST /v1/traces`` with a protobuf
``ExportTraceServiceRequest`` body, answered with an empty ``ExportTraceServiceResponse``
(OTLP specification, "OTLP/HTTP"). Received spans are kept, flattened, for assertions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.fakes.server import FakeServer, Recorded, Reply, Response


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]
    service: str


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


class FakeCollector(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.spans: list[ReceivedSpan] = []

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if recorded.method != "POST" or recorded.path != "/v1/traces":
            return Response(404, {"error": "not found"})
        if recorded.headers.get("content-type") != "application/x-protobuf":
            return Response(415, {"error": "unsupported content type"})
        request = ExportTraceServiceRequest.FromString(recorded.raw)
        for resource_spans in request.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: _value(a.value) for a in span.attributes}
                    ids = span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex()
                    service = str(resource.get("service.name", ""))
                    self.spans.append(ReceivedSpan(span.name, *ids, attributes, service))
        body = ExportTraceServiceResponse().SerializeToString()
        return Response(200, headers={"content-type": "application/x-protobuf"}, content=body)
