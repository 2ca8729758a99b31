"""Turns an :class:`ApplicationError` raised in a view into a page or JSON answer."""

from django.http import Http404, JsonResponse
from django.shortcuts import render

from .errors import ApplicationError, NotFound


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
        if request.path.startswith("/api/") or request.headers.get("Accept") == "application/json":
            return JsonResponse(exc.as_dict(), status=exc.status)
        return render(request, "error.html", {"error": exc}, status=exc.status)
