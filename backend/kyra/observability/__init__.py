"""Operations: OpenTelemetry traces, Prometheus metrics, structured logs and readiness.

``context`` is API-only (the engine may import it); ``tracing``, ``metrics`` and ``logs`` set up
the SDKs and provide the engine hooks that :mod:`kyra.wiring` installs.
"""
