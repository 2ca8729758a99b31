"""Pagination shared by every list screen."""

from django.conf import settings
from django.core.paginator import Paginator
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination


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


class ApiPageNumberPagination(PageNumberPagination):
    """ninja's page-number pagination with a bounded page number: an unbounded one overflowed
    the database's OFFSET and answered 500 instead of a validation error."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)
