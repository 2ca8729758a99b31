"""One family of application errors, each with a Chinese message for the user.

Views, the API and the CLI turn them into a page, JSON ``{"message", "code", "fields"}``
or a non-zero exit; none of them leaks a stack trace to the user.
"""


class ApplicationError(Exception):
    """Base of every error a user may see. ``fields`` maps a field or row to its message."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"message": self.message, "code": self.code, "fields": self.fields}


class ValidationError(ApplicationError):
    """Input that breaks a rule; nothing was changed."""

    code = "invalid"
    status = 400


class PermissionDenied(ApplicationError):
    """The actor may see the record but not do this to it."""

    code = "forbidden"
    status = 403


class NotFound(ApplicationError):
    """Missing, or outside the actor's reach — the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "未找到该记录，或您无权查看。", **kw):
        super().__init__(message, **kw)


class Conflict(ApplicationError):
    """The record changed or is in a state that does not allow this."""

    code = "conflict"
    status = 409


class CalendarYearMissing(ApplicationError):
    """A deadline asked about a year for which no official calendar has been loaded."""

    code = "calendar_year_missing"
    status = 409

    def __init__(self, year: int):
        super().__init__(
            f"{year} 年的法定节假日和调休数据尚未录入，无法计算工作日。"
            "请系统管理员在“工作日历”中导入该年度数据。"
        )
        self.year = year
