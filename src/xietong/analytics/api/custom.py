"""JSON API of the analytics app: custom."""

from ninja import Router

router = Router(tags=["大数据监督"])
