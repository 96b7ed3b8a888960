"""`GET /v1/ansvar`, its page `/ansvar` and the CSV, over the tiny corpus (fake embedder)."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.channels.http.support import assert_error

MATTER_KEYS = {"id", "name", "cells", "differs", "conflicts", "score"}
CELL_KEYS = {"region", "party", "label", "actor", "conditions", "citations"}


def row(body: dict, matter: str) -> dict:  # type: ignore[type-arg]
    return next(m for m in body["matters"] if m["id"] == matter)


def test_the_whole_matrix_has_a_cell_per_region_with_its_sources(client: TestClient) -> None:
    response = client.get("/v1/ansvar")
    assert response.status_code == 200
    body = response.json()
    assert body["regions"] == ["Värmland", "Dalarna", "Västmanland"]
    assert all(set(m) == MATTER_KEYS and m["score"] is None for m in body["matters"])
    abstinens = row(body, "abstinensvard")
    cells = {c["region"]: c for c in abstinens["cells"]}
    assert set(cells) == {"Värmland", "Dalarna"}  # the guidance (SKR) has no column
    assert all(set(c) == CELL_KEYS for c in cells.values())
    assert cells["Värmland"]["party"] == "region" and cells["Värmland"]["label"] == "Regionen"
    citation = cells["Värmland"]["citations"][0]
    assert citation["document_id"] == "varmland-test"
    assert citation["quote"] in "Regionen ansvarar för abstinensvård och avgiftning."
    url = urlsplit(citation["url"])
    assert url.path.startswith("/dokument/varmland-test/")
    assert parse_qs(url.query)["citat"] == [citation["quote"]]
    page = client.get(citation["url"])
    assert page.status_code == 200 and "<mark" in page.text


def test_regions_giving_a_matter_to_different_parties_differ(client: TestClient) -> None:
    body = client.get("/v1/ansvar").json()
    boende = {c["region"]: c["party"] for c in row(body, "boende")["cells"]}
    assert boende["Värmland"] == "kommun" == boende["Dalarna"]
    differing = [m for m in body["matters"] if m["differs"]]
    assert all(len({c["party"] for c in m["cells"]}) > 1 for m in differing)


def test_a_question_ranks_its_matter_first_and_a_region_narrows_the_cells(
    client: TestClient,
) -> None:
    body = client.get(
        "/v1/ansvar", params={"q": "Vem ansvarar för avgiftning?", "region": "värmland"}
    ).json()
    first = body["matters"][0]
    assert first["id"] == "abstinensvard" and first["score"] is not None
    assert body["regions"] == ["Värmland"]
    assert all(c["region"] == "Värmland" for m in body["matters"] for c in m["cells"])
    scores = [m["score"] for m in body["matters"]]
    assert scores == sorted(scores, reverse=True)


def test_a_place_in_the_question_narrows_like_a_region(client: TestClient) -> None:
    body = client.get("/v1/ansvar", params={"q": "Vem ger boendestöd i Borlänge?"}).json()
    assert body["regions"] == ["Dalarna"]


def test_one_document_shows_only_its_statements(client: TestClient) -> None:
    body = client.get("/v1/ansvar", params={"document_id": "dalarna-test"}).json()
    assert body["regions"] == ["Dalarna"]
    assert {c["document_id"] for m in body["matters"] for cell in m["cells"]
            for c in cell["citations"]} == {"dalarna-test"}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"region": "Skåne"}, "Regionen 'Skåne' har ingen överenskommelse"),
        ({"document_id": "finns-inte"}, "Dokumentet 'finns-inte' finns inte"),
        ({"region": "x" * 101}, "region"),
        ({"q": "x" * 1001}, "q"),
    ],
)
def test_an_unknown_filter_is_a_422_in_the_error_shape(
    client: TestClient, params: dict[str, str], fragment: str
) -> None:
    for path in ("/v1/ansvar", "/ansvar", "/ansvar.csv"):
        assert_error(client.get(path, params=params), 422, "invalid_input", fragment)


def test_the_page_is_a_table_with_a_search_form_that_submits_to_itself(
    client: TestClient,
) -> None:
    response = client.get("/ansvar", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="sv">' in html and "<table" in html and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<form class="filters" method="get" action="/ansvar"' in html
    assert "form-action 'self'" in response.headers["content-security-policy"]
    assert "script-src" not in response.headers["content-security-policy"]
    assert all(f'<th scope="col">{r}</th>' in html for r in ("Värmland", "Dalarna"))
    assert 'href="/ansvar.csv?q=%3Cscript%3E' in html


def test_the_csv_is_the_page_s_view(client: TestClient) -> None:
    response = client.get("/ansvar.csv", params={"region": "Dalarna"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "ansvarsmatris.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["insats", "region", "part", "aktörer", "villkor", "skiljer",
                       "konflikter", "källor"]
    assert len(rows) > 1 and {r[1] for r in rows[1:]} == {"Dalarna"}


def test_the_openapi_describes_the_route_with_a_swedish_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    route = spec["paths"]["/v1/ansvar"]["get"]
    assert {p["name"] for p in route["parameters"]} == {"region", "document_id", "q"}
    assert "422" in route["responses"]
    schema = spec["components"]["schemas"]["AnsvarResponse"]
    assert schema["examples"][0]["matters"][0]["name"] == "Abstinensvård"
