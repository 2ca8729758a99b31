from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("xietong.dashboard.urls")),
    path("", include("xietong.access.urls")),
    path("", include("xietong.org.urls")),
    path("", include("xietong.audit.urls")),
    path("", include("xietong.workdays.urls")),
    path("", include("xietong.clues.urls")),
    path("", include("xietong.analytics.urls")),
    path("api/", api.urls),
]

handler404 = "xietong.core.views.not_found"
handler403 = "xietong.core.views.forbidden"
handler500 = "xietong.core.views.server_error"
