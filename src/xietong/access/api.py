"""API: who am I."""

from ninja import Router, Schema

router = Router(tags=["账号"])


class MeOut(Schema):
    username: str
    full_name: str
    unit_id: int | None
    unit_name: str
    roles: list[str]
    grants: list[str]


@router.get("/me", response=MeOut, summary="当前账号")
def me(request):
    u = request.auth
    return {
        "username": u.username,
        "full_name": u.full_name,
        "unit_id": u.unit_id,
        "unit_name": u.unit.name if u.unit else "",
        "roles": sorted(u.role_set),
        "grants": sorted(u.grant_set),
    }
