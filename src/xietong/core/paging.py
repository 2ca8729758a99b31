"""Pagination shared by every list screen."""

from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, qs, per_page: int | None = None):
    """The requested page of ``qs``; out-of-range pages fall back to the last one."""
    paginator = Paginator(qs, per_page or settings.XIETONG_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current query string minus ``page``, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()
