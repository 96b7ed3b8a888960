"""The ansvarsmatris: the agreements' statements grouped into matters (insatser), one row a
matter and one cell a region, with the differences between regions and the conflicts
within one marked (DESIGN.md, "Ansvarsmatris").

- `matters`: the committed list of matters and which statements each one holds;
- `table`: rows, cells, differences and conflicts;
- `finding`: the matters a question is about, best first (`/v1/ansvar?q=`);
- `export`: the CSV of a view.
"""
