"""The clue API: one router per sub-domain, mounted together under ``/api``."""

from ninja import Router

from . import disposal as disposal_api
from . import integrity, outcomes, registration, teams
from . import transfers as transfers_api

router = Router()
router.add_router("", registration.router)
router.add_router("", teams.router)
router.add_router("", transfers_api.router)
router.add_router("", outcomes.router)
router.add_router("", integrity.router)
router.add_router("", disposal_api.router)
