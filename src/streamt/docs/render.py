"""The site's files: HTML pages from autoescaping Jinja templates, the browser data as a script.

Every value reaches a page through Jinja's autoescape (`{{ }}` is HTML-escaped; `|tojson` in a
`<script type="application/json">` escapes `<`, `>`, `&` and `'`), and the shared data file is
JSON with the same characters escaped, so a name, description or query is only ever text: the
browser code puts it in the page with `textContent`, never as markup. Pure: returns path -> text.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from streamt.docs.layout import COLUMN_WIDTH, Point, layered, neighbourhood
from streamt.docs.site import Site

STATIC = ("site.css", "site.js")
CLUSTER_AT = 300  # above this many nodes the lineage page opens on clusters
# what could end a script or start markup, and the two line separators JSON allows in strings
_JS_ESCAPES = {ord(ch): f"\\u{ord(ch):04x}" for ch in "<>&\u2028\u2029"}


def _environment() -> Environment:
    folder = resources.files("streamt.docs") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one run: never stat the template files again per page
    )
    return env


def render_site(site: Site) -> dict[str, str]:
    env = _environment()
    positions = layered(site.order, _parents(site))
    files = {
        "index.html": env.get_template("index.html").render(site=site, root=""),
        "lineage.html": env.get_template("lineage.html").render(site=site, root=""),
        "data.js": "window.STREAMT_DOCS = " + _js_json(_data(site, positions)) + ";\n",
    }
    parents, children = _parents(site), _children(site)
    page = env.get_template("node.html")
    for nid, node in site.nodes.items():
        hood = neighbourhood(nid, parents, children)
        files[node.url] = page.render(
            site=site,
            node=node,
            root="../",
            hood={n: [p.x, p.y] for n, p in hood.items()},
            upstream=[site.nodes[n] for n in node.upstream if n in site.nodes],
            downstream=[site.nodes[n] for n in node.downstream if n in site.nodes],
            names={
                r[0]: site.nodes[r[0]].name
                for c in node.columns
                for r in c.derived_from
                if r[0] in site.nodes
            },
        )
    static = resources.files("streamt.docs") / "static"
    for name in STATIC:
        files[f"static/{name}"] = (static / name).read_text(encoding="utf-8")
    return files


def _parents(site: Site) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for src, dst, kind in site.edges:
        if kind == "depends_on":
            out.setdefault(dst, []).append(src)
    return out


def _children(site: Site) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for src, dst, kind in site.edges:
        if kind == "depends_on":
            out.setdefault(src, []).append(dst)
    return out


def _data(site: Site, positions: dict[str, Point]) -> dict[str, Any]:
    groups = clusters(site) if len(site.order) > CLUSTER_AT else {}
    nodes = []
    columns: dict[str, dict[str, list[list[str]]]] = {}
    for nid in site.order:
        node = site.nodes[nid]
        p = positions[nid]
        nodes.append(
            {
                "id": nid,
                "kind": node.kind,
                "name": node.name,
                "url": node.url,
                "x": p.x,
                "y": p.y,
                "tags": list(node.tags),
                "owner": node.owner or "",
                "description": node.description or "",
                "columns": [c.name for c in node.columns],
                **({"cluster": groups[nid]} if groups else {}),
            }
        )
        derived = {
            c.name: [list(r) for r in c.derived_from] for c in node.columns if c.derived_from
        }
        if derived:
            columns[nid] = derived
    return {
        "project": site.project,
        **({"clusters": _cluster_graph(site, groups)} if groups else {}),
        "column_width": COLUMN_WIDTH,
        "nodes": nodes,
        "edges": [list(e) for e in site.edges],
        "columns": columns,
    }


def _js_json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.translate(_JS_ESCAPES)


def clusters(site: Site) -> dict[str, str]:
    """node id -> its cluster: `tag:<first tag>`, else `folder:<its file's folder>` when the
    project's files are in more than one folder, else `kind:<kind>`."""
    folders = {nid: _folder(n.file) for nid, n in site.nodes.items()}
    several = len(set(folders.values())) > 1
    out = {}
    for nid in site.order:
        node = site.nodes[nid]
        if node.tags:
            out[nid] = f"tag:{node.tags[0]}"
        elif several:
            out[nid] = f"folder:{folders[nid]}"
        else:
            out[nid] = f"kind:{node.kind}"
    return out


def _folder(location: str) -> str:
    """The folder of a node's file (`models/orders.yml:3:5` -> `models`; top level: `.`)."""
    path = location.split(":", 1)[0]
    return path.rpartition("/")[0] or "."


def _cluster_graph(site: Site, groups: dict[str, str]) -> dict[str, Any]:
    """The clusters as a graph laid out like the nodes: one node per cluster (with its size),
    one edge per pair of clusters a node edge joins (clusters may form cycles: a parent not
    yet placed is ignored by the layout)."""
    sizes: dict[str, int] = {}
    for nid in site.order:
        sizes[groups[nid]] = sizes.get(groups[nid], 0) + 1
    parents: dict[str, set[str]] = {}
    edges: set[tuple[str, str]] = set()
    for src, dst, _ in site.edges:
        a, b = groups.get(src), groups.get(dst)
        if a is not None and b is not None and a != b:
            parents.setdefault(b, set()).add(a)
            edges.add((a, b))
    spots = layered(list(sizes), {k: sorted(v) for k, v in parents.items()})
    return {
        "nodes": [{"id": k, "size": n, "x": spots[k].x, "y": spots[k].y} for k, n in sizes.items()],
        "edges": [[a, b, "depends_on"] for (a, b) in sorted(edges)],
    }
