"""JSON API of the analytics app: datasets."""

from ninja import Router

router = Router(tags=["大数据监督"])
