"""Every ledger export goes through here: the rows (already scoped by the policy) become an
.xlsx attachment and the export is written to the audit log in the same request."""

from xietong.core.exports import xlsx_response

from .models import Action
from .services import audit_record


def audited_xlsx_export(request, *, object_type: str, title: str, headers, rows):
    """Audit an export of ``rows`` and answer with the workbook."""
    rows = list(rows)
    audit_record(
        actor=request.user,
        action=Action.EXPORT,
        object_type=object_type,
        object_repr=title,
        summary={"条数": len(rows), "筛选": request.GET.urlencode()},
    )
    return xlsx_response(title, title, headers, rows)
