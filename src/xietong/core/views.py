"""Error pages in Chinese. A 404 never says whether the record exists."""

from django.http import JsonResponse
from django.shortcuts import render


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {
                "message": "未找到该记录，或您无权查看。",
                "code": "not_found",
                "fields": {},
            },
            status=404,
        )
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"message": "无权执行该操作。", "code": "forbidden", "fields": {}},
            status=403,
        )
    return render(request, "403.html", status=403)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {
                "message": "服务器内部错误，已记录，请联系系统管理员。",
                "code": "server_error",
                "fields": {},
            },
            status=500,
        )
    return render(request, "500.html", status=500)
