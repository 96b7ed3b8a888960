"""The build benchmark: cold, unchanged and with one agreement added."""

from __future__ import annotations

from assistant.bench.build import measure_build
from assistant.bench.plan import Plan
from assistant.settings import Settings
from tests.fakes import FakeEmbedder


def test_build_is_measured_cold_unchanged_and_with_one_agreement_added(
    settings: Settings, tiny: Plan
) -> None:
    fake = FakeEmbedder()
    result = measure_build(settings, tiny, embedder=fake)
    cold, unchanged, grown = result["cold"], result["unchanged"], result["one_added"]
    assert result["documents"] == 2
    assert cold["embedded"] > 0 and cold["passages"] == grown["passages"]
    assert unchanged["embedded"] == 0
    # Only the added agreement's passages are new to the model.
    assert 0 < grown["embedded"] < cold["embedded"]
    statements = cold["statements_embedded"] + grown["statements_embedded"]
    assert 0 < grown["statements_embedded"] < cold["statements_embedded"]
    assert len(fake.passages_embedded) == cold["embedded"] + grown["embedded"] + statements
