"""The ingest layer: agreement files in, normalised `Document`s out.

- `extract/`   raw text out of a .txt, .md, .pdf or .docx file, by a registry keyed on the
  file suffix (one module per format; a PDF's pages joined by "\\f").
- `normalise/` raw text into a `Document`: page furniture and footnotes out, pages where
  certain, headings, paragraphs and list items with their trails, one step per module.
- `catalog`    the corpus on disk, `corpus/*.txt` plus `catalog.json`, validated on every
  load; `load_documents` reads and normalises the agreements for the index.
- `regions`    the 21 län as agreements name them (the region's own name, its kommuner): the
  default parties, and the warning for a text that names another län than `--region`.
- `add`        `assistant ingest`: validate the catalog fields, extract, normalise to check
  that text remains, refuse the same text under a second id, then write text and catalog
  atomically under a lock.

Order: extract → normalise → catalog → regions → add; each module imports only those before
it (the län a text names are counted by the search layer's region detection, which the CLI
hands to `regions.region_mismatch`).
The layer imports nothing from the other layers but `assistant.models`, `assistant.errors`
and `assistant.settings` (for `add`'s corpus folder); pypdfium2 and python-docx stay in
`extract/pdf.py` and `extract/docx.py`. The index layer reads the corpus through `catalog`
and the page spans through `normalise.page_at`; nothing here knows about the index.
"""
