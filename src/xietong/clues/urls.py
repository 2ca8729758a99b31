from django.urls import path

from .views import attachments as attachment_views
from .views import disposal as disposal_views
from .views import integrity as integrity_views
from .views import outcomes as outcome_views
from .views import registration as reg
from .views import teams as team_views
from .views import transfers as tr

app_name = "clues"
urlpatterns = [
    path("clues/", reg.ledger, name="ledger"),
    path("clues/new/", reg.register, name="register"),
    path("clues/<int:pk>/", reg.clue_detail, name="detail"),
    path("clues/<int:pk>/link/", reg.clue_link, name="link"),
    path("petitions/new/", reg.petition_new, name="petition_new"),
    path("petitions/<int:pk>/", reg.petition_detail, name="petition"),
    path("petitions/<int:pk>/reporter/", reg.petition_reveal, name="petition_reveal"),
    # -- transfers (views/transfers.py) --
    path("transfers/", tr.transfers, name="transfers"),
    path("clues/<int:pk>/transfers/", tr.transfer_send, name="transfer_send"),
    path("transfers/<int:pk>/accept/", tr.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/return/", tr.transfer_return, name="transfer_return"),
    path("transfers/<int:pk>/notes/", tr.transfer_note, name="transfer_note"),
    # -- disposal and outcomes (views/disposal.py) --
    path(
        "clues/<int:pk>/disposals/",
        disposal_views.disposal_propose,
        name="disposal_propose",
    ),
    path(
        "clues/disposals/<int:pk>/approve/",
        disposal_views.disposal_approve,
        name="disposal_approve",
    ),
    path(
        "clues/disposals/<int:pk>/reject/",
        disposal_views.disposal_reject,
        name="disposal_reject",
    ),
    path("clues/<int:pk>/reply/", disposal_views.inquiry_reply, name="inquiry_reply"),
    path(
        "clues/<int:pk>/report/",
        disposal_views.verification_report,
        name="verification_report",
    ),
    path(
        "clues/<int:pk>/conclude/", disposal_views.clue_conclude, name="clue_conclude"
    ),
    # outcomes and 案件剖析报告 (views/outcomes.py)
    path(
        "clues/<int:pk>/outcomes/",
        outcome_views.outcome_record,
        name="outcome_record",
    ),
    path(
        "clues/<int:pk>/outcomes/<int:outcome_id>/correct/",
        outcome_views.outcome_correct,
        name="outcome_correct",
    ),
    path("clues/<int:pk>/case-report/", outcome_views.case_report, name="case_report"),
    # -- joint teams (views/teams.py) --
    path("clues/<int:pk>/teams/", team_views.team_create, name="team_create"),
    path("clues/teams/<int:pk>/", team_views.team_detail, name="team"),
    path(
        "clues/teams/<int:pk>/members/",
        team_views.team_member_add,
        name="team_member_add",
    ),
    path(
        "clues/teams/<int:pk>/members/<int:user_id>/remove/",
        team_views.team_member_remove,
        name="team_member_remove",
    ),
    path("clues/teams/<int:pk>/log/", team_views.team_log_add, name="team_log_add"),
    path("clues/teams/<int:pk>/close/", team_views.team_close, name="team_close"),
    # -- integrity opinions (views/integrity.py) --
    path("integrity/", integrity_views.batches, name="integrity_batches"),
    path("integrity/new/", integrity_views.batch_new, name="integrity_new"),
    path("integrity/<int:pk>/", integrity_views.batch_detail, name="integrity_batch"),
    path(
        "integrity/<int:pk>/confirm/",
        integrity_views.batch_confirm,
        name="integrity_confirm",
    ),
    # -- attachments (views/attachments.py) --
    path(
        "clues/<int:pk>/attachments/",
        attachment_views.clue_attachment_add,
        name="clue_attachment_add",
    ),
    path(
        "petitions/<int:pk>/attachments/",
        attachment_views.petition_attachment_add,
        name="petition_attachment_add",
    ),
    path("attachments/<int:pk>/", attachment_views.attachment, name="attachment"),
]
