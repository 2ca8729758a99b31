"""Every screen opens for the roles that may use it (fast check that views render)."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, account


@pytest.mark.django_db
def test_case_manager_sees_person_pages(client, world):
    user = account(world.units["a_case_management"], "case_manager")
    assert client.login(username=user.username, password=PASSWORD)
    for url in [
        reverse("dashboard:home"),
        reverse("org:tree"),
        reverse("org:persons"),
        reverse("org:person", args=[world.persons["a_edu_head"].pk]),
        reverse("org:unit", args=[world.units["a_edu"].pk]),
        reverse("workdays:calendar"),
        reverse("access:profile"),
        reverse("org:person_create"),
    ]:
        resp = client.get(url)
        assert resp.status_code == 200, url
    resp = client.get(reverse("org:person", args=[world.persons["b_edu_head"].pk]))
    assert resp.status_code == 404


@pytest.mark.django_db
def test_every_asset_is_served_by_the_app(client):
    """Intranet deployment: CSS and JS come from the app itself, never from outside."""
    from django.contrib.staticfiles import finders

    for path in ("xietong/css/app.css", "xietong/js/htmx.min.js", "xietong/js/app.js"):
        assert finders.find(path), path
    resp = client.get(reverse("access:login"))
    body = resp.content.decode()
    assert "/static/xietong/css/app.css" in body
    # No asset is loaded from another host (an SVG namespace URI is not a fetch).
    import re

    assert not re.search(r"""(src|href)=["']https?://""", body)
