"""Error answers: Chinese pages and JSON bodies, never a stack trace; 500 carries a logged request id."""

from __future__ import annotations

from web_helpers import login

from fundguard.settings import get_settings
from fundguard.web.app import create_app


def test_unknown_page_is_a_chinese_404_without_stack_trace(web):
    client, _ = web
    for logged_in in (False, True):
        if logged_in:
            login(client, "admin1")
        r = client.get("/no/such/page")
        assert r.status_code == 404
        assert "页面不存在" in r.text and 'lang="zh-CN"' in r.text
        assert "Traceback" not in r.text


def test_unknown_api_path_is_json_404(web):
    client, _ = web
    login(client, "admin1")
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"code": "NOT_FOUND", "message": "您访问的页面或数据不存在"}


def test_validation_error_names_the_field_in_chinese(web):
    client, _ = web
    login(client, "admin1")
    r = client.get("/api/v1/quarantine/abc")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "VALIDATION_ERROR" and body["field"] == "row_id"
    assert "row_id" in body["message"] and "整数" in body["message"]


def test_forced_500_shows_request_id_that_is_in_the_log(store):
    from fastapi.testclient import TestClient

    app = create_app()

    @app.get("/api/v1/precheck/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    client = TestClient(app, raise_server_exceptions=False)
    # On a path that accepts API keys, an API-key header lets the request reach the endpoint.
    r = client.get("/api/v1/precheck/boom", headers={"X-API-Key": "x"})
    assert r.status_code == 500
    rid = r.headers["x-request-id"]
    assert rid in r.json()["message"] and "secret" not in r.text
    log = (get_settings().log_dir / "web.log").read_text(encoding="utf-8")
    assert f"request_id={rid}" in log and "RuntimeError: secret internal detail" in log and "Traceback" in log


def test_forced_500_page_is_chinese_with_request_id(web):
    client, _ = web
    app = client.app

    @app.get("/boom-page", include_in_schema=False)
    def boom_page():
        raise ValueError("do not show me")

    login(client, "admin1")
    r = client.get("/boom-page")
    assert r.status_code == 500
    rid = r.headers["x-request-id"]
    assert "服务器内部错误" in r.text and rid in r.text
    assert "do not show me" not in r.text and "Traceback" not in r.text
    assert rid in (get_settings().log_dir / "web.log").read_text(encoding="utf-8")


def test_docs_and_pages_load_nothing_from_another_host(web):
    client, _ = web
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "http://" not in docs.text and "https://" not in docs.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"].startswith("医保基金智能监管平台")
    login(client, "admin1")
    from fundguard.web.templating import NAV

    for path in [item.path for item in NAV] + ["/findings", "/audit-runs"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert "https://" not in page.text and "http://" not in page.text, path
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_an_api_key_header_does_not_open_staff_api_paths(store):
    from fastapi.testclient import TestClient

    client = TestClient(create_app(), raise_server_exceptions=False)
    for path in ("/api/v1/points/ledger", "/api/v1/ingest/quarantine", "/api/v1/cases/overdue"):
        r = client.get(path, headers={"X-API-Key": "fgk_forged"})
        assert r.status_code == 401, path
        assert r.json()["code"] == "NOT_AUTHENTICATED"
