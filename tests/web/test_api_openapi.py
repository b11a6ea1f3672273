"""The OpenAPI document, the offline docs page, and the API's place in the site."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/me": {"get"},
    "/api/units": {"get"},
    "/api/campaigns": {"get"},
    "/api/campaigns/{campaign_id}": {"get"},
    "/api/campaigns/{campaign_id}/units": {"get"},
    "/api/campaigns/{campaign_id}/results": {"get"},
    "/api/campaigns/{campaign_id}/units/{unit_code}/scores": {"get"},
    "/api/campaigns/{campaign_id}/units/{unit_code}/values": {"get", "post"},
    "/api/campaigns/{campaign_id}/units/{unit_code}/values/{leaf_code}": {"put"},
}


def _document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_openapi_document_is_json_with_every_path(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "parindex API"
    for path, methods in PATHS.items():
        assert path in doc["paths"], path
        assert set(doc["paths"][path]) == methods, path
    schemes = doc["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    # every $ref points at a schema of the document
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert refs and refs <= set(doc["components"]["schemas"])
    # public reads declare that no credentials are needed (an empty requirement)
    results = doc["paths"]["/api/campaigns/{campaign_id}/results"]["get"]
    assert {"TokenAuth": []} in results["security"] and {} in results["security"]
    write = doc["paths"]["/api/campaigns/{campaign_id}/units/{unit_code}/values"]["post"]
    assert {} not in write["security"] and write["operationId"] == "post_values"
    assert set(write["responses"]) >= {"200", "400", "401", "403", "404"}
    row = doc["components"]["schemas"]["ResultRow"]["properties"]
    assert "class" in row and "framework_version" in row


def test_openapi_document_passes_the_validator(client):
    import openapi_spec_validator as validator  # test extra: must not be skipped

    validator.validate(_document(client))


def test_docs_page_loads_everything_from_this_server(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/docs/assets/") for s in sources), sources
    assert "http://" not in html and "https://" not in html  # no CDN, nothing remote
    assert re.search(r"<script>(?!</script>)", html) is None  # no inline script (CSP)
    settings = json.loads(re.search(r'id="swagger-settings"[^>]*>(.*?)</script>', html, re.S)[1])
    assert settings["url"] == "/api/openapi.json"
    assert settings["validatorUrl"] is None  # no badge fetched from validator.swagger.io
    assert "Content-Security-Policy" in response.headers
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        body = b"".join(asset.streaming_content)
        assert len(body) > 100
    assert b"SwaggerUIBundle" in b"".join(client.get(sources[-1]).streaming_content)
    # only the listed files: nothing else of the package, no path tricks
    for name in ("redoc.standalone.js", "..%2F__init__.py", "swagger-ui-bundle.js.map"):
        assert client.get(f"/api/docs/assets/{name}").status_code == 404


def test_api_is_not_redirected_to_the_sign_in_page(client):
    # the site-wide LoginRequiredMiddleware does not apply: the API answers in JSON
    response = client.get("/api/campaigns")
    assert response.status_code == 200 and response.json() == []
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "detail" in response.json()
