"""Per-request facts the audit log records without every service taking the request."""

from contextvars import ContextVar

client_ip: ContextVar[str] = ContextVar("client_ip", default="")
