"""The ansvarsmatris: the agreements' statements grouped into matters (insatser), one row a
matter and one cell a region, with the differences between regions and the conflicts
within one marked (DESIGN.md, "Ansvarsmatris").

- `index.matters` (a layer up, since the decline rule's matter check shares its word
  forms): the committed list of matters and which statements each one holds;
- `loading`: the matrix of a loaded index, cached;
- `table`: rows, cells, differences and conflicts;
- `finding`: the matters a question is about, best first (`/v1/ansvar?q=`);
- `export`: the CSV of a view.
"""
