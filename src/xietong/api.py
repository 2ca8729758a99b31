"""The JSON API under /api/ with its OpenAPI schema at /api/openapi.json (docs: /api/docs).

Scripts authenticate with ``Authorization: Bearer xt_…`` tokens; the browser uses its session
(with CSRF for writes). Every endpoint authorises through ``access.policies``.
"""

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from xietong.access.services import token_authenticate
from xietong.core.errors import ApplicationError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session; ninja enforces CSRF for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="XieTong 协同监督平台 API",
    version="1.0",
    description="协同监督平台接口。脚本使用 Bearer 令牌（在“我的账号”中生成），浏览器使用会话。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request,
        {"message": "未登录或令牌无效。", "code": "unauthenticated", "fields": {}},
        status=401,
    )


_HTTP_ERRORS = {
    400: ("请求格式有误：请求体不是有效的 JSON。", "bad_request"),
    403: ("无权执行该操作。", "forbidden"),
    404: ("未找到该记录，或您无权查看。", "not_found"),
    405: ("不支持该请求方法。", "method_not_allowed"),
    429: ("请求过于频繁，请稍后再试。", "throttled"),
}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own errors (unparsable body…) in the same shape and language as ours."""
    message, code = _HTTP_ERRORS.get(exc.status_code, ("请求无法处理。", "error"))
    return api.create_response(
        request,
        {"message": message, "code": code, "fields": {}},
        status=exc.status_code,
    )


@api.exception_handler(Http404)
def http_404(request, exc):
    message, code = _HTTP_ERRORS[404]
    return api.create_response(
        request, {"message": message, "code": code, "fields": {}}, status=404
    )


@api.exception_handler(NinjaValidationError)
def input_error(request, exc: NinjaValidationError):
    fields = {}
    for err in exc.errors:
        loc = ".".join(
            str(p)
            for p in err.get("loc", [])
            if p not in ("body", "query", "path", "payload")
        )
        fields[loc or "请求"] = _zh(err)
    message = "请求参数有误：" + "；".join(f"{k} {v}" for k, v in fields.items())
    return api.create_response(
        request, {"message": message, "code": "invalid", "fields": fields}, status=422
    )


def _zh(err: dict) -> str:
    kind = err.get("type", "")
    table = {
        "missing": "缺少必填项",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "date_from_datetime_parsing": "日期格式应为 2026-03-01",
        "date_parsing": "日期格式应为 2026-03-01",
        "date_type": "日期格式应为 2026-03-01",
        "bool_parsing": "应为 true 或 false",
        "string_type": "应为文本",
        "string_too_long": "过长",
        "greater_than_equal": "数值过小",
        "less_than_equal": "数值过大",
        "json_invalid": "不是有效的 JSON",
        "model_attributes_type": "格式错误",
    }
    return table.get(kind, "格式不正确")


from xietong.access.api import router as access_router  # noqa: E402
from xietong.analytics.api import router as analytics_router  # noqa: E402
from xietong.audit.api import router as audit_router  # noqa: E402
from xietong.clues.api import router as clues_router  # noqa: E402
from xietong.org.api import router as org_router  # noqa: E402
from xietong.workdays.api import router as workdays_router  # noqa: E402

api.add_router("/", access_router)
api.add_router("/", org_router)
api.add_router("/", workdays_router)
api.add_router("/", audit_router)
api.add_router("/", clues_router)
api.add_router("/", analytics_router)
