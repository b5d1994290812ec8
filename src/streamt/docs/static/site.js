/* streamt docs: the lineage graph, search, selector filter and column lineage.
   Vanilla JS, no library. Every name, description and column from the data is put into the
   page as text (textContent / createTextNode), never as markup. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var NODE_W = 200, NODE_H = 30;
  var data = window.STREAMT_DOCS || { nodes: [], edges: [], columns: {} };
  var root = document.body.getAttribute("data-root") || "";
  var byId = {}, parents = {}, children = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; parents[n.id] = []; children[n.id] = []; });
  data.edges.forEach(function (e) {
    if (e[2] !== "depends_on" || !byId[e[0]] || !byId[e[1]]) return;
    children[e[0]].push(e[1]); parents[e[1]].push(e[0]);
  });

  function walk(start, edges) {
    var seen = {}, stack = (edges[start] || []).slice();
    while (stack.length) {
      var id = stack.pop();
      if (seen[id]) continue;
      seen[id] = true;
      Array.prototype.push.apply(stack, edges[id] || []);
    }
    return seen;
  }

  function el(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function short(name) { return name.length > 26 ? name.slice(0, 25) + "\u2026" : name; }

  /* ---------------------------------------------------------------- the graph */
  function curve(a, b, kind) {
    var x1 = a[0] + NODE_W, y1 = a[1] + NODE_H / 2, x2 = b[0], y2 = b[1] + NODE_H / 2;
    if (kind === "produces") { x1 = a[0] + NODE_W / 2; x2 = b[0] + NODE_W / 2; }
    var mid = (x1 + x2) / 2;
    return "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2;
  }

  /* `expand`: a cluster overview (items and edges of its own; a click calls expand(id)). */
  function Graph(container, positions, centerId, expand) {
    this.container = container;
    var items = expand ? expand.items : byId;
    this.positions = positions;
    this.svg = el("svg", { "class": "lineage", role: "img" });
    this.layer = el("g", {});
    this.svg.appendChild(this.layer);
    this.nodes = {}; this.edges = [];
    this.view = { x: 0, y: 0, k: 1 };
    var self = this;
    this.base = positions;
    (expand ? expand.edges : data.edges).forEach(function (e) {
      if (!positions[e[0]] || !positions[e[1]]) return;
      var path = el("path", { "class": "edge " + e[2], "data-from": e[0], "data-to": e[1] });
      path.setAttribute("d", curve(positions[e[0]], positions[e[1]], e[2]));
      self.layer.appendChild(path);
      self.edges.push(path);
    });
    Object.keys(positions).forEach(function (id) {
      var n = items[id];
      if (!n) return;
      var p = positions[id];
      var g = el("g", { "class": "node kind-" + n.kind + (id === centerId ? " center" : ""),
                        "data-id": id, transform: "translate(" + p[0] + "," + p[1] + ")" });
      g.appendChild(el("title", {}, n.kind + " " + n.name));
      g.appendChild(el("rect", { width: NODE_W, height: NODE_H, rx: 6 }));
      g.appendChild(el("text", { x: 8, y: 19 }, short(n.name)));
      /* click selects (up- and downstream stay lit); a second click on the selected node, or
         Ctrl/Cmd-click, opens its page */
      g.addEventListener("click", function (ev) {
        ev.stopPropagation();
        if (self.dragged) return;
        if (expand) expand.open(id);
        else if (self.selected === id || ev.ctrlKey || ev.metaKey) window.location.href = root + n.url;
        else self.select(id);
      });
      if (expand) g.appendChild(el("text", { "class": "size", x: NODE_W - 8, y: 19 }, String(n.size)));
      else {
        g.addEventListener("mouseenter", function () { if (!self.selected) self.highlight(id); });
        g.addEventListener("mouseleave", function () { if (!self.selected) self.highlight(null); });
      }
      self.layer.appendChild(g);
      self.nodes[id] = g;
    });
    container.appendChild(this.svg);
    this.selected = null;
    this.panel = document.createElement("div");
    this.panel.className = "selection";
    this.panel.hidden = true;
    container.parentNode.insertBefore(this.panel, container.nextSibling);
    this.svg.addEventListener("click", function () { if (!self.dragged) self.select(null); });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") self.select(null); });
    this.panZoom();
    this.fit();
  }

  /* The persistent selection: the node, its upstream and downstream lit until another node is
     selected, the background is clicked or Escape is pressed; a bar names it, with its page. */
  Graph.prototype.select = function (id) {
    this.selected = id;
    var lit = this.highlight(id), panel = this.panel;
    panel.textContent = "";
    panel.hidden = !id;
    if (!id) return;
    var n = byId[id], up = Object.keys(walk(id, parents)).length;
    var down = Object.keys(lit).length - up - 1;
    var a = document.createElement("a");
    a.className = "open";
    a.setAttribute("href", root + n.url);
    a.textContent = "open " + n.name;
    panel.appendChild(document.createTextNode("selected " + n.kind + " " + n.name + ": " + up +
      " upstream, " + down + " downstream \u00b7 "));
    panel.appendChild(a);
    panel.appendChild(document.createTextNode(" (or click it again; Esc clears)"));
  };

  Graph.prototype.apply = function () {
    var v = this.view;
    this.layer.setAttribute("transform", "translate(" + v.x + "," + v.y + ") scale(" + v.k + ")");
  };

  Graph.prototype.fit = function () {
    var ids = Object.keys(this.nodes).filter(function (id) {
      return !this.nodes[id].classList.contains("hidden");
    }, this);
    if (!ids.length) return;
    var xs = ids.map(function (id) { return this.positions[id][0]; }, this);
    var ys = ids.map(function (id) { return this.positions[id][1]; }, this);
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs) + NODE_W;
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys) + NODE_H;
    var w = this.container.clientWidth || 800, h = this.container.clientHeight || 400;
    var k = Math.max(0.05, Math.min(1.2, (w - 40) / (maxX - minX), (h - 40) / (maxY - minY)));
    this.view = { k: k, x: (w - (maxX - minX) * k) / 2 - minX * k, y: (h - (maxY - minY) * k) / 2 - minY * k };
    this.apply();
  };

  Graph.prototype.panZoom = function () {
    var self = this, start = null;
    this.svg.addEventListener("mousedown", function (ev) {
      start = { x: ev.clientX, y: ev.clientY, vx: self.view.x, vy: self.view.y };
      self.dragged = false;
    });
    window.addEventListener("mousemove", function (ev) {
      if (!start) return;
      var dx = ev.clientX - start.x, dy = ev.clientY - start.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) self.dragged = true;
      self.view.x = start.vx + dx; self.view.y = start.vy + dy;
      self.apply();
    });
    window.addEventListener("mouseup", function () { start = null; });
    this.svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var box = self.svg.getBoundingClientRect();
      var mx = ev.clientX - box.left, my = ev.clientY - box.top;
      var k = Math.max(0.02, Math.min(4, self.view.k * (ev.deltaY < 0 ? 1.15 : 1 / 1.15)));
      self.view.x = mx - (mx - self.view.x) * k / self.view.k;
      self.view.y = my - (my - self.view.y) * k / self.view.k;
      self.view.k = k;
      self.apply();
    }, { passive: false });
  };

  /* Hover: the node, everything upstream and downstream of it lit, the rest dimmed. */
  Graph.prototype.highlight = function (id) {
    var lit = {};
    if (id) {
      lit = Object.assign(walk(id, parents), walk(id, children));
      lit[id] = true;
    }
    this.container.classList.toggle("dim", !!id);
    Object.keys(this.nodes).forEach(function (n) {
      this.nodes[n].classList.toggle("lit", !!lit[n]);
      this.nodes[n].classList.toggle("selected", n === id);
    }, this);
    this.edges.forEach(function (p) {
      p.classList.toggle("lit", !!(lit[p.getAttribute("data-from")] && lit[p.getAttribute("data-to")]));
    });
    return lit;
  };

  /* Show only `visible`, packed: each layout column keeps the generate-time order of its nodes
     but closes the gaps left by hidden ones (a filtered 1,000-node graph stays readable). */
  Graph.prototype.show = function (visible) {
    var columns = {}, base = this.base, packed = {}, gap = NODE_H + 14;
    Object.keys(this.nodes).forEach(function (n) {
      this.nodes[n].classList.toggle("hidden", !visible[n]);
      if (visible[n]) (columns[base[n][0]] = columns[base[n][0]] || []).push(n);
    }, this);
    Object.keys(columns).forEach(function (x) {
      var col = columns[x].sort(function (a, b) { return base[a][1] - base[b][1]; });
      col.forEach(function (n, i) { packed[n] = [base[n][0], (i - (col.length - 1) / 2) * gap]; });
    });
    Object.keys(this.nodes).forEach(function (n) {
      var p = packed[n] || base[n];
      this.nodes[n].setAttribute("transform", "translate(" + p[0] + "," + p[1] + ")");
      packed[n] = p;
    }, this);
    this.positions = packed;
    this.edges.forEach(function (p) {
      var a = p.getAttribute("data-from"), b = p.getAttribute("data-to");
      p.classList.toggle("hidden", !(visible[a] && visible[b]));
      if (visible[a] && visible[b]) p.setAttribute("d", curve(packed[a], packed[b], p.classList.contains("produces") ? "produces" : ""));
    });
  };

  /* ---------------------------------------------------------------- selectors */
  /* "+name" (with upstream), "name+" (with downstream), "tag:x", "kind:x", "cluster:x", "model:name"
     (kind and name), a bare name or id; several, space separated: their union. */
  function select(expr) {
    var out = {}, any = false;
    expr.trim().split(/\s+/).forEach(function (term) {
      if (!term) return;
      any = true;
      var up = term.charAt(0) === "+", down = term.length > 1 && term.charAt(term.length - 1) === "+";
      var core = term.slice(up ? 1 : 0, down ? -1 : undefined);
      var colon = core.indexOf(":");
      var method = colon > 0 ? core.slice(0, colon) : "", value = colon > 0 ? core.slice(colon + 1) : core;
      data.nodes.forEach(function (n) {
        var hit = method === "tag" ? n.tags.indexOf(value) >= 0
          : method === "kind" ? n.kind === value
          : method === "cluster" ? n.cluster === value
          : method ? n.kind === method && n.name === value
          : n.name === value || n.id === value;
        if (!hit) return;
        out[n.id] = true;
        if (up) Object.assign(out, walk(n.id, parents));
        if (down) Object.assign(out, walk(n.id, children));
      });
    });
    if (!any) data.nodes.forEach(function (n) { out[n.id] = true; });
    return out;
  }

  /* At scale (data.clusters, laid out at generate time) the page opens on clusters: nodes grouped
     by their first tag, else their folder, else their kind; a click on a cluster shows its
     nodes (the selector "cluster:<id>"), an empty selector shows the clusters again. */
  function lineagePage() {
    var container = document.getElementById("graph");
    var positions = {};
    data.nodes.forEach(function (n) { positions[n.id] = [n.x, n.y]; });
    var graph = new Graph(container, positions, null);
    var filter = document.getElementById("filter");
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".kind-filter"));
    var status = document.getElementById("graph-status");
    var overview = null, clusters = data.clusters;
    if (clusters) {
      var items = {}, spots = {};
      clusters.nodes.forEach(function (c) {
        items[c.id] = { kind: "cluster", name: c.id, size: c.size };
        spots[c.id] = [c.x, c.y];
      });
      overview = new Graph(container, spots, null, {
        items: items, edges: clusters.edges,
        open: function (id) { filter.value = "cluster:" + id; update(); }
      });
      overview.svg.classList.add("clusters");
    }
    function update() {
      var collapsed = !!overview && !filter.value.trim();
      if (overview) { overview.svg.classList.toggle("hidden", !collapsed); graph.svg.classList.toggle("hidden", collapsed); }
      if (collapsed) {
        graph.select(null);
        status.textContent = clusters.nodes.length + " clusters of " + data.nodes.length +
          " nodes: click one to see its nodes, or type a selector";
        overview.fit();
        return;
      }
      var chosen = select(filter.value), kinds = {};
      boxes.forEach(function (b) { kinds[b.value] = b.checked; });
      var visible = {}, count = 0;
      data.nodes.forEach(function (n) { if (chosen[n.id] && kinds[n.kind]) { visible[n.id] = true; count++; } });
      graph.show(visible);
      status.textContent = count + " of " + data.nodes.length + " nodes";
      graph.fit();
    }
    var wanted = new URLSearchParams(window.location.search).get("select");
    if (wanted) filter.value = wanted;
    filter.addEventListener("input", update);
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    document.getElementById("fit").addEventListener("click", function () { graph.fit(); if (overview) overview.fit(); });
    update();
    window.__streamtGraph = graph;
  }

  /* ---------------------------------------------------------------- search */
  function indexPage() {
    var input = document.getElementById("search"), list = document.getElementById("search-results");
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      list.textContent = "";
      if (!q) return;
      var shown = 0;
      data.nodes.some(function (n) {
        var cols = n.columns.filter(function (c) { return c.toLowerCase().indexOf(q) >= 0; });
        var hit = n.name.toLowerCase().indexOf(q) >= 0 || n.description.toLowerCase().indexOf(q) >= 0;
        if (!hit && !cols.length) return false;
        var li = document.createElement("li"), a = document.createElement("a");
        a.setAttribute("href", root + n.url);
        a.textContent = n.name;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" " + n.kind + (cols.length ? " \u00b7 column " + cols.join(", ") : "")));
        li.setAttribute("data-id", n.id);
        list.appendChild(li);
        return ++shown >= 50;
      });
      if (!shown) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = "no match";
        list.appendChild(none);
      }
    });
  }

  /* ---------------------------------------------------------------- column lineage */
  var derivedFrom = data.columns, derivedInto = {};
  Object.keys(derivedFrom).forEach(function (nid) {
    Object.keys(derivedFrom[nid]).forEach(function (col) {
      derivedFrom[nid][col].forEach(function (ref) {
        var key = ref[0] + "\u0000" + ref[1];
        (derivedInto[key] = derivedInto[key] || []).push([nid, col]);
      });
    });
  });

  function columnWalk(nid, col, step) {
    var seen = {}, out = [], stack = step(nid, col).slice();
    while (stack.length) {
      var ref = stack.shift(), key = ref[0] + "\u0000" + ref[1];
      if (seen[key]) continue;
      seen[key] = true;
      out.push(ref);
      Array.prototype.push.apply(stack, step(ref[0], ref[1]));
    }
    return out;
  }
  function ups(nid, col) { return (derivedFrom[nid] || {})[col] || []; }
  function downs(nid, col) { return derivedInto[nid + "\u0000" + col] || []; }

  function nodePage() {
    var container = document.getElementById("graph");
    var center = container.getAttribute("data-center");
    var hood = JSON.parse(document.getElementById("hood").textContent);
    var graph = new Graph(container, hood, center);
    var panel = document.getElementById("column-path");
    Array.prototype.forEach.call(document.querySelectorAll("tr.column"), function (row) {
      function choose() {
        var col = row.getAttribute("data-column");
        Array.prototype.forEach.call(document.querySelectorAll("tr.column.selected"), function (r) { r.classList.remove("selected"); });
        row.classList.add("selected");
        var path = [[center, col, "this"]];
        columnWalk(center, col, ups).forEach(function (r) { path.push([r[0], r[1], "upstream"]); });
        columnWalk(center, col, downs).forEach(function (r) { path.push([r[0], r[1], "downstream"]); });
        showPath(graph, panel, col, path);
      }
      row.addEventListener("click", choose);
      row.addEventListener("keydown", function (ev) { if (ev.key === "Enter") choose(); });
    });
  }

  function showPath(graph, panel, col, path) {
    var onPath = {};
    path.forEach(function (p) { onPath[p[0]] = true; });
    Object.keys(graph.nodes).forEach(function (n) { graph.nodes[n].classList.toggle("on-path", !!onPath[n]); });
    graph.edges.forEach(function (e) {
      var a = e.getAttribute("data-from"), b = e.getAttribute("data-to");
      e.classList.toggle("on-path", !!(onPath[a] && onPath[b]));
    });
    if (!panel) return;
    panel.hidden = false;
    document.getElementById("column-path-name").textContent = col;
    var list = document.getElementById("column-path-list");
    list.textContent = "";
    path.forEach(function (p) {
      var n = byId[p[0]], li = document.createElement("li"), a = document.createElement("a");
      li.className = "path-" + p[2];
      li.setAttribute("data-ref", p[0] + "." + p[1]);
      a.setAttribute("href", root + (n ? n.url : ""));
      a.textContent = (n ? n.name : p[0]) + "." + p[1];
      li.appendChild(document.createTextNode(p[2] + ": "));
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  /* ---------------------------------------------------------------- SQL highlighting */
  /* A small scanner over the text of each <pre class="sql">: strings, quoted identifiers,
     comments, numbers and keywords become spans; every piece is set as text. */
  var KEYWORDS = ("SELECT FROM WHERE GROUP BY ORDER HAVING JOIN LEFT RIGHT FULL INNER OUTER ON AS " +
    "AND OR NOT NULL IS IN CASE WHEN THEN ELSE END UNION ALL DISTINCT INSERT INTO CREATE TABLE " +
    "VIEW WITH SET OVER PARTITION ROWS RANGE BETWEEN INTERVAL TABLE DESCRIPTOR TUMBLE HOP " +
    "CUMULATE SESSION LATERAL UNNEST LIMIT CAST WATERMARK FOR PRIMARY KEY ENFORCED TEMPORARY " +
    "FUNCTION SYSTEM_TIME OF LIKE EXISTS TRUE FALSE").split(" ");
  var KEYWORD = {};
  KEYWORDS.forEach(function (k) { KEYWORD[k] = true; });

  function scan(text) {
    var out = [], i = 0, n = text.length;
    function push(cls, end) { out.push([cls, text.slice(i, end)]); i = end; }
    while (i < n) {
      var ch = text.charAt(i), j = i + 1;
      if (ch === "'" || ch === "`" || ch === "\"") {
        while (j < n && !(text.charAt(j) === ch && text.charAt(j + 1) !== ch)) j += text.charAt(j) === ch ? 2 : 1;
        push(ch === "'" ? "s" : "i", Math.min(n, j + 1));
      } else if (ch === "-" && text.charAt(j) === "-") {
        while (j < n && text.charAt(j) !== "\n") j++;
        push("c", j);
      } else if (/[0-9]/.test(ch)) {
        while (j < n && /[0-9.eE]/.test(text.charAt(j))) j++;
        push("n", j);
      } else if (/[A-Za-z_]/.test(ch)) {
        while (j < n && /[A-Za-z0-9_$]/.test(text.charAt(j))) j++;
        push(KEYWORD[text.slice(i, j).toUpperCase()] ? "k" : "", j);
      } else {
        push("", j);
      }
    }
    return out;
  }

  function highlight(pre) {
    var parts = scan(pre.textContent);
    pre.textContent = "";
    parts.forEach(function (p) {
      if (!p[0]) { pre.appendChild(document.createTextNode(p[1])); return; }
      var span = document.createElement("span");
      span.className = p[0];
      span.textContent = p[1];
      pre.appendChild(span);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("pre.sql"), highlight);

  var page = document.body.getAttribute("data-page");
  if (page === "lineage") lineagePage();
  else if (page === "index") indexPage();
  else if (page === "node") nodePage();
})();
