"""The synthetic scale corpus: perturbed copies of real passages and their noisy vectors."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest

from assistant.bench.synthetic import Perturbation, perturb_text, perturb_vectors, synthesise
from assistant.models import Chunk, DocumentMeta
from assistant.search.regions import MUNICIPALITIES


def meta(doc_id: str, region: str | None) -> DocumentMeta:
    return DocumentMeta(
        id=doc_id, title=f"Överenskommelse i {region or 'landet'}", region=region,
        parties=("Region", "Kommunerna"), target_groups=("missbruk och beroende",),
        age_scope="vuxna", kind="överenskommelse", valid_from=date(2024, 1, 1), valid_to=None,
        extension=None, draft=False, source=f"{doc_id}.txt",
    )


TEXTS = [
    "Region Värmland ansvarar för abstinensvård. Karlstad och Arvika ordnar boende enligt 4 kap.",
    "Socialtjänsten kallar till SIP inom 14 dagar. Psykiatrin deltar alltid i planeringen.",
    "Kommunen ansvarar för boendestöd och sysselsättning för personer med beroende.",
]


def real_corpus() -> tuple[dict[str, DocumentMeta], list[Chunk], np.ndarray]:
    documents = {"v": meta("v", "Värmland"), "n": meta("n", None)}
    chunks = [
        Chunk(id=f"c{i}", document_id="v" if i < 2 else "n", text=t, trail=("1. Ansvar",),
              page_start=1, page_end=1, start=0, end=len(t))
        for i, t in enumerate(TEXTS)
    ]
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(len(chunks), 32)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return documents, chunks, matrix


def test_perturbed_text_moves_places_to_the_target_region_and_changes_numbers() -> None:
    how = Perturbation(source_region="Värmland", target_region="Dalarna", seed=3)
    out = perturb_text(TEXTS[0], how, {})
    assert "Värmland" not in out and "Karlstad" not in out and "Arvika" not in out
    assert "Dalarna" in out
    named = [m for m in MUNICIPALITIES["Dalarna"] if m in out]
    assert named, out
    numbers = re.findall(r"\d+", out)
    assert len(numbers) == 1 and len(numbers[0]) == 1  # same number of digits
    assert perturb_text(TEXTS[0], how, {}) == out  # deterministic for a seed


def test_synonyms_are_swapped_within_their_group() -> None:
    synonyms = {"boende": ("bostad",), "bostad": ("boende",)}
    how = Perturbation(source_region=None, target_region="Skåne", seed=0)
    out = perturb_text("Kommunen ordnar boende. " * 20, how, synonyms)
    assert "bostad" in out and "boende" in out  # each occurrence is swapped by chance
    words = set(re.findall(r"\w+", out.lower()))
    assert words <= {"kommunen", "ordnar", "boende", "bostad"}  # nothing else changes


def test_perturbed_vectors_stay_unit_length_and_close_to_their_source() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(50, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    noisy = perturb_vectors(base, np.random.default_rng(1))
    assert noisy.dtype == np.float32 and noisy.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(noisy, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(noisy * base, axis=1)
    assert cosines.min() > 0.85 and cosines.max() < 0.999
    others = noisy @ base.T - np.diag(cosines)
    assert others.max() < 0.5  # a copy is nearer its own source than any other passage


def test_synthesise_makes_exactly_the_rows_asked_for_with_unique_ids() -> None:
    documents, chunks, matrix = real_corpus()
    made = synthesise(documents, chunks, matrix, 100, seed=5)
    assert len(made.chunks) == 100 == len(made.vectors) == len(made.sources)
    assert len({c.id for c in made.chunks}) == 100
    assert {c.document_id for c in made.chunks} == set(made.documents)
    for chunk, source in zip(made.chunks, made.sources, strict=True):
        assert chunk.trail == chunks[source].trail
        assert chunk.document_id.startswith(chunks[source].document_id + "-syn")
    regions = {m.region for m in made.documents.values()}
    assert None not in regions and regions <= set(MUNICIPALITIES) and len(regions) > 5
    # Each row's vector lies near its own source vector, not near another.
    nearest = np.argmax(made.vectors @ matrix.T, axis=1)
    assert (nearest == made.sources).all()


def test_synthesise_rejects_mismatched_input() -> None:
    documents, chunks, matrix = real_corpus()
    with pytest.raises(ValueError):
        synthesise(documents, chunks, matrix[:2], 10)
    with pytest.raises(ValueError):
        synthesise(documents, [], matrix[:0], 10)
