"""The committed index must match the committed corpus and the default settings."""

from assistant.index import chunking
from assistant.index.build import check_index, load_index
from assistant.ingest import catalog
from assistant.settings import load_settings


def test_bundled_index_is_fresh() -> None:
    status = check_index(load_settings(environ={}))
    assert status.fresh, "index/ är inaktuellt — kör `assistant index` och checka in: " + "; ".join(
        status.reasons
    )


def test_bundled_index_covers_every_catalog_document() -> None:
    settings = load_settings(environ={})
    index = load_index(settings)
    assert set(index.documents) == {
        "varmland-psykisk-funktionsnedsattning-beroende",
        "vastmanland-psykisk-ohalsa-vuxna",
        "dalarna-psykisk-funktionsnedsattning",
        "dalarna-missbruk-beroende",
        "skr-stod-samverkansoverenskommelser",
    }
    assert all(index.document_rows[d] for d in index.documents)


def test_bundled_corpus_chunks_as_the_committed_index() -> None:
    # The splitter is our own now (index/splitter.py); it must cut exactly as the one that
    # built the committed index, or every passage id and vector would change.
    settings = load_settings(environ={})
    index = load_index(settings)
    documents = catalog.load_documents(settings.corpus_dir)
    chunks = chunking.chunk_documents(documents, settings)
    assert [(c.id, c.start, c.end, c.text) for c in chunks] == [
        (c.id, c.start, c.end, c.text) for c in index.chunks
    ]
