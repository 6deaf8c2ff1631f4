"""Every protected route refuses a request without a valid token (401) and a role without the
scope (403); the table below must name every /api/v1 route, so a new one cannot slip by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from smartalloc.adapters.db.users import UserStore
from tests.api.conftest import SECRET
from tests.integration.conftest import reported_mentors

# (method, path, scope)
ROUTES = [
    ("POST", "/api/v1/students/import", "import"),
    ("POST", "/api/v1/mentors/import", "import"),
    ("POST", "/api/v1/allocation/run", "alloc:run"),
    ("POST", "/api/v1/allocation/whatif", "alloc:run"),
    ("GET", "/api/v1/allocation/whatif/{job_id}", "report:read"),
    ("GET", "/api/v1/allocation/status/{job_id}", "report:read"),
    ("GET", "/api/v1/reports/export", "personal:read"),      # default kind: ImportToSabt
    ("GET", "/api/v1/students/{national_id}/explain", "personal:read"),
    ("GET", "/api/v1/mentors", "report:read"),
    ("GET", "/api/v1/mentors/audit", "report:read"),
    ("POST", "/api/v1/mentors/{mentor_id}/freeze", "mentors:write"),
    ("POST", "/api/v1/mentors/{mentor_id}/activate", "mentors:write"),
    ("POST", "/api/v1/mentors/{mentor_id}/restrict", "mentors:write"),
    ("GET", "/api/v1/history", "personal:read"),
    ("GET", "/api/v1/agency/managers", "report:read"),
    ("GET", "/api/v1/agency/profile", "report:read"),
    ("GET", "/api/v1/agency/profile/versions", "report:read"),
    ("PUT", "/api/v1/agency/profile", "mentors:write"),
    ("POST", "/api/v1/review/assign", "review:write"),
    ("POST", "/api/v1/review/move", "review:write"),
    ("POST", "/api/v1/review/release", "review:write"),
    ("POST", "/api/v1/review/flag", "review:write"),
    ("POST", "/api/v1/review/unflag", "review:write"),
    ("GET", "/api/v1/review/list", "personal:read"),
    ("GET", "/api/v1/review/log", "personal:read"),
    ("POST", "/api/v1/review/exports", "review:write"),
    ("GET", "/api/v1/review/exports", "personal:read"),
    ("GET", "/api/v1/review/exports/{job_id}/{version}/{kind}", "personal:read"),
    ("GET", "/api/v1/students/{national_id}/candidates", "personal:read"),
    ("POST", "/api/v1/intake/sabt", "review:write"),       # and personal:read (both roles)
]
GRANTS = {"viewer": {"report:read"},
          "operator": {"report:read", "personal:read", "import", "alloc:run", "review:write"}}


def concrete(path: str) -> str:
    return path.replace("{job_id}", "x").replace("{national_id}", "0012345678") \
               .replace("{mentor_id}", "m1")


def test_the_table_names_every_api_route(api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    found = {(m.upper(), p) for p, ops in paths.items() for m in ops
             if p.startswith("/api/v1")
             and p not in ("/api/v1/auth/token", "/api/v1/auth/logout")  # any signed-in role
             and p != "/api/v1/intake/gravity-forms"}   # a source's secret: test_intake_api
    assert found == {(m, p) for m, p, _ in ROUTES}


def test_no_token_401_wrong_role_403(api) -> None:
    for method, path, scope in ROUTES:
        url = concrete(path)
        response = api.client.request(method, url)
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
        for role, scopes in GRANTS.items():
            if scope not in scopes:
                denied = api.client.request(method, url, headers=api.auth(role))
                assert denied.status_code == 403, (method, path, role)


def _token(**overrides) -> str:
    now = datetime.now(UTC)
    claims = {"sub": "admin", "iss": "smartalloc", "aud": "smartalloc-api", "iat": now,
              "exp": now + timedelta(minutes=5), **overrides}
    return jwt.encode(claims, overrides.pop("key", SECRET), algorithm="HS256")


@pytest.mark.parametrize("token", [
    _token(exp=datetime.now(UTC) - timedelta(minutes=1)),
    _token(aud="someone-else"),
    _token(iss="someone-else"),
    jwt.encode({"sub": "admin", "iss": "smartalloc", "aud": "smartalloc-api",
                "exp": datetime.now(UTC) + timedelta(minutes=5)}, "another-secret-0123456789-0123456789",
               algorithm="HS256"),
    _token(sub="nobody"),
    "not-a-jwt",
])
def test_invalid_tokens_are_refused(api, token: str) -> None:
    response = api.client.get("/api/v1/mentors", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_disabled_user_and_password_sign_in(api) -> None:
    assert api.client.get("/api/v1/mentors", headers=api.auth("viewer")).status_code == 200
    signed = api.client.post("/api/v1/auth/token",
                             data={"username": "viewer", "password": "viewer-password"})
    assert signed.status_code == 200
    fresh = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    assert api.client.get("/api/v1/mentors", headers=fresh).status_code == 200
    wrong = api.client.post("/api/v1/auth/token", data={"username": "viewer", "password": "x"})
    assert wrong.status_code == 401
    UserStore(api.client.app.state.engine).set_active("viewer", False)
    assert api.client.get("/api/v1/mentors", headers=fresh).status_code == 401


def test_governance_is_audited_with_the_signed_in_user(api) -> None:
    body = {"reason": "on leave"}
    unknown = api.client.post("/api/v1/mentors/m7/freeze", json=body, headers=api.auth("admin"))
    assert unknown.status_code == 404                        # no report has named m7 yet
    assert unknown.json()["errors"][0]["code"] == "MENTOR_UNKNOWN"
    reported_mentors(api.client.app.state.engine, "m7")
    frozen = api.client.post("/api/v1/mentors/m7/freeze", json=body, headers=api.auth("admin"))
    assert frozen.status_code == 200 and frozen.json()["to_status"] == "frozen"
    no_reason = api.client.post("/api/v1/mentors/m7/activate", json={"reason": ""},
                                headers=api.auth("admin"))
    assert no_reason.status_code == 422
    restricted = api.client.post("/api/v1/mentors/m7/restrict", json={"reason": "only one",
                                                                      "schools": [1234]},
                                 headers=api.auth("admin"))
    assert restricted.status_code == 200
    audit = api.client.get("/api/v1/mentors/audit", params={"mentor_id": "m7"},
                           headers=api.auth("viewer")).json()
    assert [(a["to_status"], a["changed_by"]) for a in audit] == [("frozen", "admin"),
                                                                   ("restricted", "admin")]
