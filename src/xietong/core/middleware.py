"""Turns an :class:`ApplicationError` raised in a view into a page or JSON answer."""

from django.http import Http404, JsonResponse
from django.shortcuts import render

from .errors import ApplicationError, NotFound, ValidationError


class ApplicationErrorMiddleware:
    """One handler for the whole error family: HTML for pages, JSON for the API and HTMX."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, NotFound):
            raise Http404(exc.message)
        if not isinstance(exc, ApplicationError):
            return None
        if (
            request.path.startswith("/api/")
            or request.headers.get("Accept") == "application/json"
        ):
            return JsonResponse(exc.as_dict(), status=exc.status)
        return render(request, "error.html", {"error": exc}, status=exc.status)


NUL_MESSAGE = "请求中含有空字符（\\x00），无法处理，请删除后重试。"


class RejectNulMiddleware:
    """PostgreSQL text cannot hold NUL characters: a query or a form/JSON body containing one
    would fail deep inside a query with a 500. Refuse it up front with a Chinese 400.
    (Uploaded files are not inspected: binary files legitimately contain NUL bytes.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            error = ValidationError(NUL_MESSAGE)
            if (
                request.path.startswith("/api/")
                or request.headers.get("Accept") == "application/json"
            ):
                return JsonResponse(error.as_dict(), status=400)
            return render(request, "error.html", {"error": error}, status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return True
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.content_type == "application/json"
        ):
            return b"\\u0000" in request.body or b"\x00" in request.body
        if (
            request.method == "POST"
        ):  # form fields, urlencoded or multipart (not file contents)
            return any(
                "\x00" in k or any("\x00" in v for v in vs)
                for k, vs in request.POST.lists()
            )
        return False
