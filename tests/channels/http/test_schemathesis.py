"""Schemathesis against the app's own OpenAPI: every operation, valid and invalid requests.

Runs the real app (keys, admin key, middleware, handlers) on the small test corpus with the
fake embedder, so hundreds of generated cases take seconds. Prints the number of cases.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from assistant.channels.http import create_app
from assistant.pipeline import Engine
from assistant.settings import Settings

pytestmark = pytest.mark.slow

API_KEY = "schemathesis-nyckel-0001"
ADMIN_KEY = "schemathesis-admin-0001"
EXAMPLES_PER_MODE = 60  # per operation and mode; parameterless operations give fewer
MIN_CASES = 500


def test_generated_requests_never_cause_a_server_error_and_match_the_schema(
    built: tuple[Settings, Engine],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Valid and invalid requests for every documented operation: no 5xx, all as documented.

    Every response must be documented and match its schema (the SSE events included), and
    schema-invalid input must be refused with a 4xx. Schema-valid input may still be refused
    where the schema cannot say why (an unknown region or document id, a question of only
    digits), so the check that all such input is accepted is left out. The calls carry an
    API key and the admin key, so the admin reload runs for real, many times over.
    """
    import schemathesis
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import positive_data_acceptance

    config = settings.with_overrides(
        api_keys=(API_KEY,), admin_key=ADMIN_KEY, rate_limit_per_minute=0
    )
    app = create_app(config, engine=built[1])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    results: list[Any] = list(schema.get_all_operations())  # raises on an invalid schema
    operations = [result.ok() for result in results]
    documented = {
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
    }
    assert {(op.method.upper(), op.path) for op in operations} == documented
    assert len(operations) >= 10
    headers = {"X-API-Key": API_KEY, "X-Admin-Key": ADMIN_KEY}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            label = f"{operation.label} ({mode.value})"

            @given(operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES_PER_MODE,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,  # the same cases on every machine and every run
                derandomize=True,
            )
            def check(case: Any) -> None:
                response = case.call(headers=headers)
                cases[operation.label] += 1  # noqa: B023 (run at once)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{label}: {response.status_code} {response.text[:300]}")  # noqa: B023
                try:
                    case.validate_response(response, excluded_checks=[positive_data_acceptance])
                except Exception as exc:
                    failures.append(f"{label}: {exc}"[:1000])  # noqa: B023

            try:
                check()
            except Unsatisfiable:
                continue  # nothing can be invalid about a request without parameters
    total = sum(cases.values())
    with capsys.disabled():
        print(
            f"\nschemathesis: {total} genererade anrop över {len(cases)} operationer; "
            f"statuskoder {dict(sorted(statuses.items()))}"
        )
        for name, count in sorted(cases.items()):
            print(f"  {count:4d}  {name}")
    assert not failures, "\n\n".join(failures[:5])
    assert set(cases) == {op.label for op in operations}, "an operation got no case"
    assert total >= MIN_CASES
    assert not [s for s in statuses if s >= 500]
