"""The analytics API: one router per sub-domain, mounted together under ``/api``."""

from ninja import Router

from . import custom, datasets, hits, runs

router = Router()
router.add_router("", datasets.router)
router.add_router("", runs.router)
router.add_router("", hits.router)
router.add_router("", custom.router)
