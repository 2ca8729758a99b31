"""JSON API of the analytics app: runs."""

from ninja import Router

router = Router(tags=["大数据监督"])
