"""Response models of the HTTP API: what each route answers, field by field.

One module per resource; each holds the pydantic models of its answers and the one function
(or classmethod) that builds them from database rows or engine values, so a route returns a
model and the OpenAPI document describes every response body (see ``docs/API.md``).
"""
