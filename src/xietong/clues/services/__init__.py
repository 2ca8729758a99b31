"""Writes for petitions and clues, one module per sub-domain; every public service is
re-exported here so callers write ``services.clue_register``."""

from .attachments import attachment_add, attachment_download  # noqa: F401
from .disposal import (  # noqa: F401
    clue_conclude,
    disposal_approve,
    disposal_propose,
    disposal_reject,
    inquiry_record_reply,
    verification_record_report,
)
from .integrity import (  # noqa: F401
    integrity_batch_confirm,
    integrity_batch_submit,
    integrity_proposals,
    parse_integrity_text,
    parse_integrity_xlsx,
)
from .outcomes import (  # noqa: F401
    SanctionInput,
    case_report_save,
    outcome_correct,
    outcome_record,
)
from .registration import (  # noqa: F401
    ReporterIdentity,
    SubjectInput,
    clue_link,
    clue_number,
    clue_register,
    competent_unit,
    find_subject,
    petition_register,
    petition_reveal_reporter,
)
from .teams import (  # noqa: F401
    team_close,
    team_form,
    team_log_add,
    team_member_add,
    team_member_remove,
)
from .transfers import (  # noqa: F401
    transfer_accept,
    transfer_note_add,
    transfer_remind_overdue,
    transfer_return,
    transfer_send,
)
