"""JSON API of the analytics app: hits."""

from ninja import Router

router = Router(tags=["大数据监督"])
