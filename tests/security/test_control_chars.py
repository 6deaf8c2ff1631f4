"""Finding I-3: a NUL or another control character is refused with a 422 problem, never a 500.

PostgreSQL refuses a NUL in a string parameter, so before a NUL anywhere — the unauthenticated
sign-in, a JSON body, a path or query parameter, an upload's file name — was a 500 there (and
stored as is on SQLite); a file name over 255 bytes was a 500 on both (the file system's own
limit). Each check runs on SQLite and on a fresh PostgreSQL database.
"""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import MULTIPART, multipart, part


def assert_422(response, code: str = "CONTROL_CHARACTER") -> None:
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422
    assert any(item.get("code") == code for item in body["errors"]), body


@pytest.mark.parametrize(("username", "password"), [
    ("adm\x00in", "admin-password"), ("admin", "admin\x00password"),
    ("adm\x01in", "admin-password"), ("admin\t", "admin-password"),
    ("admin", "admin-password\n")])
def test_sign_in_with_a_control_character_is_422(any_service, username, password) -> None:
    response = any_service.client.post("/api/v1/auth/token",
                                       data={"username": username, "password": password})
    assert_422(response)


@pytest.mark.parametrize("field", ["username", "password"])
def test_web_sign_in_with_nul_is_422(any_service, field: str) -> None:
    form = {"username": "admin", "password": "admin-password",
            "csrf_token": any_service.login_csrf()}
    form[field] = form[field][:3] + "\x00" + form[field][3:]
    response = any_service.client.post("/ui/login", data=form)
    assert response.status_code == 422, response.text[:300]   # the UI's error page
    assert "text/html" in response.headers["content-type"]


def upload(service, small_agency, filename: bytes, role: bytes = b"students"):
    body = multipart(part("role", role),
                     part("file", small_agency.students.read_bytes(), filename))
    return service.client.post("/api/v1/students/import", content=body,
                               headers={"Content-Type": MULTIPART, **service.auth("operator")})


def test_upload_file_names(any_service, small_agency) -> None:
    assert_422(upload(any_service, small_agency, b"Student\x00Report.xlsx"))
    assert_422(upload(any_service, small_agency, b"Student\x1bReport.xlsx"))
    assert_422(upload(any_service, small_agency, b"a" * 295 + b".xlsx"), "FILE_NAME_TOO_LONG")
    persian = ("گزارش" * 30 + ".xlsx").encode()   # 155 characters, 305 bytes
    assert_422(upload(any_service, small_agency, persian), "FILE_NAME_TOO_LONG")
    assert_422(upload(any_service, small_agency, b"StudentReport.xlsx", b"stu\x00dents"))
    fine = upload(any_service, small_agency, b"a" * 250 + b".xlsx")
    assert fine.status_code == 201, fine.text[:300]


def test_json_bodies_with_control_characters(any_service) -> None:
    s = any_service
    run = s.client.post("/api/v1/allocation/run", headers=s.auth("operator"),
                        json={"inspactor": "a\x00", "schools": "b", "students": "c"})
    assert_422(run)
    nested = s.client.post("/api/v1/allocation/run", headers=s.auth("operator"), json={
        "inspactor": "a", "schools": "b", "students": "c", "overrides": {"M\x00": True}})
    assert_422(nested)
    freeze = s.client.post("/api/v1/mentors/M1/freeze", json={"reason": "on leave\x00"},
                           headers=s.auth("admin"))
    assert_422(freeze)
    raw = s.client.post("/api/v1/mentors/M1/freeze", headers={
        **s.auth("admin"), "Content-Type": "application/json"},
        content=json.dumps({"reason": "on\u0007leave"}).encode())
    assert_422(raw)
    # A reason is free text: a line break or a tab is text, not a control character.
    multiline = s.client.post("/api/v1/mentors/M1/freeze", json={"reason": "on leave\nuntil\t1404"},
                              headers=s.auth("admin"))
    assert multiline.status_code != 422 and multiline.status_code < 500, multiline.text[:300]


def test_path_and_query_with_nul(any_service) -> None:
    s = any_service
    assert_422(s.client.get("/api/v1/allocation/status/ab%00c", headers=s.auth("viewer")))
    assert_422(s.client.get("/api/v1/mentors/audit", params={"mentor_id": "12\x00"},
                            headers=s.auth("viewer")))
    assert_422(s.client.get("/api/v1/mentors", params={"status": "active\x00"},
                            headers=s.auth("viewer")))
    page = s.client.get("/ui/login?next=/ui/jobs%00")
    assert page.status_code == 422


def test_web_forms_with_nul_are_422(any_service) -> None:
    s = any_service
    s.client.post("/ui/login", data={"username": "admin", "password": "admin-password",
                                     "csrf_token": s.login_csrf()})
    page = s.client.get("/ui/run")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    run = s.client.post("/ui/run", data={"csrf_token": csrf, "override": "M1\x00:on"},
                        files={"students": ("StudentReport.xlsx", b"PK\x03\x04", "application/"
                                            "octet-stream")})
    assert run.status_code == 422 and "text/html" in run.headers["content-type"]
    assert "CONTROL_CHARACTER" in run.text   # the guard's page, not the form's own errors
    status = s.client.post("/ui/mentors/status", data={
        "csrf_token": csrf, "mentor_id": "M1\x00", "action": "freeze", "reason": "x"})
    assert status.status_code == 422 and "CONTROL_CHARACTER" in status.text
