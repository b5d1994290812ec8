"""streamt.docs: the static documentation site (`streamt docs generate` / `serve`).

In: a loaded project, its graph, a compile (columns, topics, connectors; column lineage is
computed from it once) and the last data-test outcomes. Out: one folder that works from `file://` and offline — an index
(counts, owners, tags, search), one page per source, model, sink, test and exposure, and the
lineage graph laid out at generate time (`layout.py`) and drawn by a small vanilla script
(`static/site.js`, no library, no CDN). Every value is escaped (`render.py`). Writes only the
output folder.
"""

from __future__ import annotations

from streamt.docs.write import generate_site

__all__ = ["generate_site"]
