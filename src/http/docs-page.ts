/**
 * Self-contained interactive API reference served at GET /docs.
 *
 * No external resources: the style and script are inline and pinned by a strict
 * Content-Security-Policy that allows exactly these two blocks by their SHA-256 hashes.
 * The spec URL travels in a data attribute so the script text (and its hash) never changes.
 *
 * IMPORTANT: after editing STYLE or SCRIPT, update STYLE_HASH / SCRIPT_HASH below. The test
 * test/worker/docs-page.test.ts recomputes both and its failure message shows the expected values.
 * All spec data reaches the DOM through textContent/createElement only, never innerHTML.
 */

const STYLE = String.raw`
:root{--bg:#f7f8fa;--panel:#fff;--line:#e3e6eb;--text:#1d2330;--muted:#667085;--accent:#2f6feb;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:var(--bg)}
code,pre,textarea,.path,.pname,.ptype{font-family:var(--mono);font-size:13px}
#app{display:flex;flex-direction:column;height:100%}
header{padding:14px 24px;background:var(--panel);border-bottom:1px solid var(--line)}
header h1{margin:0;font-size:20px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
header p{margin:4px 0 0;color:var(--muted)}
header a{font-size:12px;font-weight:400;color:var(--accent)}
.ver{font-size:12px;font-weight:500;padding:1px 8px;border-radius:10px;background:#eef2ff;color:#3730a3}
.layout{flex:1;min-height:0;display:grid;grid-template-columns:320px 1fr}
nav{border-right:1px solid var(--line);background:var(--panel);overflow:auto;padding:12px}
#filter{width:100%;padding:7px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
nav h3{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:14px 4px 4px}
a.op{display:flex;gap:8px;align-items:flex-start;padding:5px 6px;border-radius:6px;color:inherit;text-decoration:none}
a.op:hover{background:#f1f3f6}
a.op.active{background:#e8effd}
a.op .path{word-break:break-all}
a.op small{display:block;color:var(--muted);font-size:12px}
.m{display:inline-block;min-width:54px;text-align:center;font:700 11px/20px var(--mono);text-transform:uppercase;color:#fff;border-radius:4px;padding:0 4px;background:#6b7280;flex:none}
.m.get{background:#16a34a}.m.post{background:#2563eb}.m.put{background:#d97706}.m.patch{background:#0d9488}.m.delete{background:#dc2626}
main{overflow:auto;padding:20px 28px 48px;min-width:0}
main h2{margin:10px 0 4px;font-size:20px}
main h3{margin:26px 0 8px;font-size:15px;border-bottom:1px solid var(--line);padding-bottom:4px}
main h4{margin:14px 0 6px;font-size:13px;display:flex;gap:8px;align-items:center}
.ophead{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.ophead .path{font-size:16px;font-weight:600;word-break:break-all}
.pre{white-space:pre-line}
.muted{color:var(--muted)}
.err{color:#b42318}
table{border-collapse:collapse;width:100%;background:var(--panel)}
td,th{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;word-break:break-word}
th{font-size:12px;color:var(--muted);font-weight:600}
.req{color:#b42318;font-size:11px;font-weight:600;margin-left:6px}
.tag,.fact{display:inline-block;font-size:11px;padding:0 6px;border-radius:8px;background:#f1f3f6;color:#475467;margin-left:6px}
.schema{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
ul.tree{list-style:none;margin:0;padding-left:18px;border-left:1px dashed #cfd4dc}
.schema>ul.tree{padding-left:0;border:0}
ul.tree li{padding:2px 0}
.pname{font-weight:600;margin-right:6px}
.ptype{color:#7c3aed}
.combo{font-style:italic;color:var(--muted)}
.desc{color:#475467;font-size:13px}
pre.code{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:8px;overflow:auto;max-height:420px;margin:6px 0;white-space:pre-wrap;word-break:break-word}
.sc{font:700 13px var(--mono)}
.s2{color:#16a34a}.s3{color:#2563eb}.s4{color:#d97706}.s5{color:#dc2626}
.try{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.field{display:grid;grid-template-columns:200px 1fr;gap:8px;align-items:center;margin:6px 0}
.field input,textarea{width:100%;padding:6px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
textarea{font-family:var(--mono);min-height:160px;resize:vertical}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--line);background:#fff;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
.actions{display:flex;gap:8px;align-items:center;margin:10px 0;flex-wrap:wrap}
.status{display:flex;gap:16px;align-items:center;flex-wrap:wrap;margin:8px 0}
img.resp{max-width:100%;image-rendering:pixelated;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
tr.hl td{background:#fff7e0}
@media (max-width:800px){#app{height:auto}.layout{display:block}nav{max-height:45vh;border-right:0;border-bottom:1px solid var(--line)}main{padding:16px}.field{grid-template-columns:1fr}}
`;

const SCRIPT = String.raw`
(function () {
  "use strict";
  var app = document.getElementById("app"), specUrl = app.getAttribute("data-spec");
  var nav = document.getElementById("nav"), main = document.getElementById("main"), top = document.getElementById("top");
  var filter = document.getElementById("filter");
  var METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
  var AUTH_KEY = "docs.authorization";
  var spec = {}, ops = [], current = null, lastBlobUrl = null, base = "";

  function h(tag, props) {
    var el = document.createElement(tag);
    for (var k in props || {}) {
      var v = props[k];
      if (v == null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "value") el.value = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v);
    }
    return add.apply(null, [el].concat([].slice.call(arguments, 2)));
  }
  function add(el) { // appends nodes/strings, flattening nested arrays and skipping null/false
    [].slice.call(arguments, 1).flat(Infinity).forEach(function (c) {
      if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
    });
    return el;
  }
  function fill(el) { el.replaceChildren(); return add.apply(null, arguments); }
  var json = function (v) { return JSON.stringify(v); };
  var refName = function (s) { return s && typeof s.$ref === "string" ? s.$ref.split("/").pop() : null; };
  function resolve(o) {
    for (var n = 0; o && typeof o.$ref === "string" && o.$ref.indexOf("#/") === 0 && n < 20; n++) {
      var t = spec, rest = Object.assign({}, o);
      delete rest.$ref;
      o.$ref.slice(2).split("/").forEach(function (p) { t = t == null ? t : t[p.replace(/~1/g, "/").replace(/~0/g, "~")]; });
      if (t == null) break;
      o = Object.assign({}, t, rest);
    }
    return o || {};
  }
  function typeInfo(s) {
    var t = s.type, nullable = !!s.nullable;
    if (Array.isArray(t)) { nullable = nullable || t.indexOf("null") >= 0; t = t.filter(function (x) { return x !== "null"; }).join(" | ") || "null"; }
    if (!t && s.const !== undefined) t = s.const === null ? "null" : typeof s.const;
    if (!t) t = s.properties ? "object" : s.items ? "array" : s.oneOf ? "one of" : s.anyOf ? "any of" : s.allOf ? "all of" : s.enum ? "enum" : "any";
    if (t === "array" && s.items) t = "array<" + (refName(s.items) || typeInfo(resolve(s.items)).t) + ">";
    if (s.format) t += " (" + s.format + ")";
    return { t: t, nullable: nullable };
  }
  function facts(s) {
    var f = [];
    if (s.const !== undefined) f.push("const " + json(s.const));
    if (Array.isArray(s.enum)) f.push("one of: " + s.enum.map(json).join(", "));
    if (s.default !== undefined) f.push("default " + json(s.default));
    [["minimum", ">= "], ["exclusiveMinimum", "> "], ["maximum", "<= "], ["exclusiveMaximum", "< "], ["minLength", "min length "],
     ["maxLength", "max length "], ["minItems", "min items "], ["maxItems", "max items "], ["pattern", "pattern "], ["example", "example "]]
      .forEach(function (p) { if (s[p[0]] !== undefined && typeof s[p[0]] !== "boolean") f.push(p[1] + (p[0] === "example" ? json(s[p[0]]) : s[p[0]])); });
    return f;
  }
  function tree(raw, name, required, seen) {
    var ref = refName(raw), s = resolve(raw), ti = typeInfo(s);
    var li = h("li", null, name != null ? h("span", { class: "pname" }, name) : null,
      h("span", { class: "ptype" }, ref ? ref + (ti.t === "object" ? "" : " : " + ti.t) : ti.t),
      ti.nullable ? h("span", { class: "tag" }, "nullable") : null, required ? h("span", { class: "req" }, "required") : null,
      s.readOnly ? h("span", { class: "tag" }, "read-only") : null, s.deprecated ? h("span", { class: "tag" }, "deprecated") : null,
      facts(s).map(function (f) { return h("span", { class: "fact" }, f); }), s.description ? h("div", { class: "desc pre" }, s.description) : null);
    if (ref && seen.has(ref)) { li.append(h("span", { class: "fact" }, "recursive")); return li; }
    var next = new Set(seen), kids = [];
    if (ref) next.add(ref);
    var req = s.required || [];
    Object.keys(s.properties || {}).forEach(function (k) { kids.push(tree(s.properties[k], k, req.indexOf(k) >= 0, next)); });
    if (s.additionalProperties && typeof s.additionalProperties === "object") kids.push(tree(s.additionalProperties, "[key]", false, next));
    var it = s.items && typeof s.items === "object" ? resolve(s.items) : null; // plain primitive items are already named in array<...>
    if (it && (refName(s.items) || it.properties || it.oneOf || it.anyOf || it.allOf || it.items || it.description || facts(it).length)) kids.push(tree(s.items, "[item]", false, next));
    ["allOf", "oneOf", "anyOf"].forEach(function (k) {
      if (Array.isArray(s[k])) kids.push(h("li", null, h("span", { class: "combo" }, { allOf: "all of", oneOf: "exactly one of", anyOf: "any of" }[k]),
        h("ul", { class: "tree" }, s[k].map(function (v) { return tree(v, null, false, next); }))));
    });
    if (kids.length) li.append(h("ul", { class: "tree" }, kids));
    return li;
  }
  var schemaBox = function (s) { return h("div", { class: "schema" }, h("ul", { class: "tree" }, tree(s, null, false, new Set()))); };
  function example(raw, seen, depth) {
    var ref = refName(raw), s = resolve(raw);
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if (s.const !== undefined) return s.const;
    if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
    if ((ref && seen.has(ref)) || depth > 8) return null;
    seen = new Set(seen);
    if (ref) seen.add(ref);
    if (Array.isArray(s.allOf)) return s.allOf.reduce(function (acc, v) {
      var e = example(v, seen, depth + 1);
      return e && typeof e === "object" && !Array.isArray(e) ? Object.assign(acc, e) : acc;
    }, {});
    var alt = s.oneOf || s.anyOf;
    if (Array.isArray(alt) && alt.length) return example(alt.find(function (x) { return resolve(x).type !== "null"; }) || alt[0], seen, depth + 1);
    var t = Array.isArray(s.type) ? s.type.find(function (x) { return x !== "null"; }) || "null" : s.type;
    if (!t && s.const !== undefined) t = s.const === null ? "null" : typeof s.const;
    if (!t) t = s.properties ? "object" : s.items ? "array" : "string";
    if (t === "object") {
      var o = {};
      Object.keys(s.properties || {}).forEach(function (k) { o[k] = example(s.properties[k], seen, depth + 1); });
      return o;
    }
    if (t === "array") return s.items ? [example(s.items, seen, depth + 1)] : [];
    if (t === "integer" || t === "number") return typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : 0;
    if (t === "boolean") return true;
    if (t === "null") return null;
    var str = { "date-time": "2026-01-01T00:00:00Z", date: "2026-01-01", email: "user@example.com", uri: "https://example.com/", url: "https://example.com/",
      uuid: "00000000-0000-4000-8000-000000000000" }[s.format] || "string";
    if (s.minLength > str.length) str = str + "x".repeat(s.minLength - str.length);
    return s.maxLength < str.length ? str.slice(0, s.maxLength) : str;
  }
  var badge = function (m) { return h("span", { class: "m " + m }, m); };
  var pickMedia = function (content) { var keys = Object.keys(content || {}); return keys.indexOf("application/json") >= 0 ? "application/json" : keys[0]; };

  function renderNav() {
    var q = filter.value.trim().toLowerCase(), groups = new Map();
    ops.forEach(function (o) {
      var hay = [o.method, o.path, o.op.summary, o.op.operationId, o.tags.join(" ")].join(" ").toLowerCase();
      if (q && hay.indexOf(q) < 0) return;
      o.tags.forEach(function (t) { if (!groups.has(t)) groups.set(t, []); groups.get(t).push(o); });
    });
    nav.replaceChildren();
    if (!groups.size) add(nav, h("p", { class: "muted" }, ops.length ? "No operations match." : "The spec has no operations."));
    groups.forEach(function (list, t) {
      add(nav, h("h3", null, t), list.map(function (o) {
        return h("a", { class: "op" + (o === current ? " active" : ""), href: "#" + o.key }, badge(o.method),
          h("div", null, h("span", { class: "path" }, o.path), o.op.summary ? h("small", null, o.op.summary) : null));
      }));
    });
  }

  function paramsSection(o) {
    if (!o.params.length) return null;
    return [h("h3", null, "Parameters"), h("table", null, h("tr", null, h("th", null, "Name"), h("th", null, "In"), h("th", null, "Type"), h("th", null, "Description")),
      o.params.map(function (p) {
        var s = resolve(p.schema || {}), ti = typeInfo(s);
        return h("tr", null, h("td", null, h("span", { class: "pname" }, p.name), p.required ? h("span", { class: "req" }, "required") : null),
          h("td", null, p.in), h("td", null, h("span", { class: "ptype" }, refName(p.schema) || ti.t), ti.nullable ? h("span", { class: "tag" }, "nullable") : null),
          h("td", null, p.description ? h("div", { class: "pre" }, p.description) : null, p.deprecated ? h("span", { class: "tag" }, "deprecated") : null,
            facts(s).map(function (f) { return h("span", { class: "fact" }, f); })));
      }))];
  }
  function bodySection(o) {
    var rb = o.body;
    if (!rb) return null;
    return [h("h3", null, "Request body", rb.required ? h("span", { class: "req" }, "required") : null), rb.description ? h("p", { class: "pre" }, rb.description) : null,
      Object.keys(rb.content || {}).map(function (mt) {
        var media = rb.content[mt];
        return [h("h4", null, h("code", null, mt)), media.schema ? schemaBox(media.schema) : null, media.schema ? [h("h4", null, "Example"),
          h("pre", { class: "code" }, mt.indexOf("json") >= 0 ? JSON.stringify(example(media.schema, new Set(), 0), null, 2) : String(example(media.schema, new Set(), 0)))] : null];
      })];
  }
  function responsesSection(o) {
    var rs = o.op.responses || {};
    return [h("h3", null, "Responses"), Object.keys(rs).map(function (code) {
      var r = resolve(rs[code]);
      return [h("h4", null, h("span", { class: "sc s" + code.charAt(0) }, code), h("span", { class: "muted" }, r.description || "")),
        Object.keys(r.content || {}).map(function (mt) {
          var media = r.content[mt];
          return h("div", null, h("div", { class: "muted" }, h("code", null, mt)), media.schema ? schemaBox(media.schema) : null);
        })];
    })];
  }

  function tryPanel(o) {
    var inputs = [], mt = o.body ? pickMedia(o.body.content) : null, ta = null, auth, out = h("div"), curlOut = h("div");
    var fields = o.params.filter(function (p) { return ["path", "query", "header"].indexOf(p.in) >= 0; }).map(function (p) {
      var s = resolve(p.schema || {}), ex = p.example !== undefined ? p.example : example(p.schema || {}, new Set(), 0);
      var input = h("input", { type: "text", placeholder: Array.isArray(s.enum) ? s.enum.join(" | ") : typeInfo(s).t,
        value: p.in === "path" || p.required ? (typeof ex === "object" ? json(ex) : String(ex)) : "" });
      inputs.push([p, input]);
      return h("label", { class: "field" }, h("span", null, h("span", { class: "pname" }, p.name), h("span", { class: "muted" }, p.in), p.required ? h("span", { class: "req" }, "*") : null), input);
    });
    var stored = "";
    try { stored = sessionStorage.getItem(AUTH_KEY) || ""; } catch (e) {}
    auth = h("input", { type: "text", placeholder: "Bearer <token> (optional)", value: stored,
      oninput: function () { try { sessionStorage.setItem(AUTH_KEY, auth.value); } catch (e) {} } });
    if (o.body) {
      var media = o.body.content[mt] || {}, ex = media.schema ? example(media.schema, new Set(), 0) : "";
      ta = h("textarea", { spellcheck: "false", value: mt && mt.indexOf("json") >= 0 ? JSON.stringify(ex, null, 2) : String(ex) });
    }
    function build() {
      var path = o.path, qs = new URLSearchParams(), headers = {}, body;
      inputs.forEach(function (pi) {
        var p = pi[0], v = pi[1].value;
        if (p.in === "path") path = path.split("{" + p.name + "}").join(encodeURIComponent(v));
        else if (v !== "") { if (p.in === "query") qs.append(p.name, v); else headers[p.name] = v; }
      });
      if (auth.value.trim()) headers.Authorization = auth.value.trim();
      if (ta && ta.value.trim() && o.method !== "get" && o.method !== "head") { body = ta.value; headers["Content-Type"] = mt; }
      var q = qs.toString();
      return { url: base + path + (q ? "?" + q : ""), method: o.method.toUpperCase(), headers: headers, body: body };
    }
    async function send() {
      var r = build(), t0 = performance.now();
      fill(out, h("p", { class: "muted" }, "Sending " + r.method + " " + r.url + " ..."));
      try {
        var res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body }), blob = await res.blob();
        var ms = Math.round(performance.now() - t0), ct = res.headers.get("content-type") || "", rid = res.headers.get("x-request-id"), view;
        if (/^image\/(png|svg\+xml)/i.test(ct)) {
          if (lastBlobUrl) URL.revokeObjectURL(lastBlobUrl);
          lastBlobUrl = URL.createObjectURL(blob);
          view = h("img", { class: "resp", src: lastBlobUrl, alt: "Response image (" + ct + ")" });
        } else {
          var text = await blob.text();
          if (/json/i.test(ct)) { try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {} }
          view = h("pre", { class: "code" }, text || "(empty body)");
        }
        fill(out, h("div", { class: "status" }, h("span", { class: "sc s" + String(res.status).charAt(0) }, res.status + " " + res.statusText),
          h("span", { class: "muted" }, ms + " ms"), rid ? h("span", null, "X-Request-Id: ", h("code", null, rid)) : null),
          h("details", null, h("summary", null, "Response headers"), h("table", null, Array.from(res.headers).map(function (kv) {
            return h("tr", { class: kv[0] === "x-request-id" ? "hl" : null }, h("td", null, h("code", null, kv[0])), h("td", null, h("code", null, kv[1])));
          }))), view);
      } catch (e) { fill(out, h("p", { class: "err" }, "Request failed: " + (e && e.message ? e.message : e))); }
    }
    function curl() {
      var r = build(), sq = function (s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; };
      var parts = ["curl -X " + r.method + " " + sq(location.origin + r.url)];
      Object.keys(r.headers).forEach(function (k) { parts.push("-H " + sq(k + ": " + r.headers[k])); });
      if (r.body !== undefined) parts.push("--data-raw " + sq(r.body));
      var cmd = parts.join(" \\\n  "), note = h("span", { class: "muted" }, "Copied to clipboard");
      fill(curlOut, note, h("pre", { class: "code" }, cmd));
      if (navigator.clipboard) navigator.clipboard.writeText(cmd).catch(function () { note.textContent = "Select and copy:"; });
      else note.textContent = "Select and copy:";
    }
    return [h("h3", null, "Try it"), h("div", { class: "try" }, fields,
      h("label", { class: "field" }, h("span", null, h("span", { class: "pname" }, "Authorization"), h("span", { class: "muted" }, "header")), auth),
      ta ? [h("div", { class: "muted" }, "Body (" + mt + ")"), ta] : null,
      h("div", { class: "actions" }, h("button", { class: "primary", type: "button", onclick: send }, "Send"),
        h("button", { type: "button", onclick: curl }, "Copy as curl")), curlOut, out)];
  }

  function show(o) {
    current = o;
    renderNav();
    var op = o.op;
    fill(main, h("div", { class: "ophead" }, badge(o.method), h("span", { class: "path" }, o.path),
        op.deprecated ? h("span", { class: "tag" }, "deprecated") : null, op.operationId ? h("span", { class: "fact" }, op.operationId) : null),
      op.summary ? h("h2", null, op.summary) : null, op.description ? h("p", { class: "pre" }, op.description) : null,
      paramsSection(o), bodySection(o), responsesSection(o), tryPanel(o));
    main.scrollTop = 0;
  }
  function route() {
    var key = decodeURIComponent(location.hash.slice(1));
    var o = ops.find(function (x) { return x.key === key; }) || ops[0];
    if (o) show(o); else fill(main, h("p", { class: "muted" }, "No operations."));
  }

  filter.addEventListener("input", renderNav);
  window.addEventListener("hashchange", function () { route(); if (window.matchMedia("(max-width: 800px)").matches) main.scrollIntoView(); });
  fetch(specUrl, { headers: { Accept: "application/json" } }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then(function (s) {
    spec = s || {};
    var info = spec.info || {};
    document.title = (info.title || "API") + " - API reference";
    var srv = spec.servers && spec.servers[0] && spec.servers[0].url;
    if (typeof srv === "string" && /^\/[^\/]/.test(srv)) base = srv.replace(/\/$/, "");
    fill(top, h("h1", null, info.title || "API reference", info.version ? h("span", { class: "ver" }, "v" + info.version) : null,
      spec.openapi ? h("span", { class: "ver" }, "OpenAPI " + spec.openapi) : null, h("a", { href: specUrl }, "openapi.json")),
      info.description ? h("p", { class: "pre" }, info.description) : null);
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = resolve(spec.paths[path]);
      METHODS.forEach(function (m) {
        if (!item[m]) return;
        var op = item[m], params = new Map();
        (item.parameters || []).concat(op.parameters || []).map(resolve).forEach(function (p) { params.set(p.in + ":" + p.name, p); });
        ops.push({ method: m, path: path, op: op, key: m + path, params: Array.from(params.values()),
          body: op.requestBody ? resolve(op.requestBody) : null, tags: op.tags && op.tags.length ? op.tags : ["default"] });
      });
    });
    route();
  }).catch(function (e) {
    fill(main, h("p", { class: "err" }, "Could not load the API description from " + specUrl + ": " + (e && e.message ? e.message : e)));
  });
})();
`;

const STYLE_HASH = "sha256-1x0iVr45OWqeDGYiWMQER5x25I/br6LzV4XsLWt6bjQ=";
const SCRIPT_HASH = "sha256-hofx7JlZkwqI4kfJEFjNipgMY9aCnjKPpPTb7koTIAE=";

const CSP = [
  "default-src 'none'",
  `script-src '${SCRIPT_HASH}'`,
  `style-src '${STYLE_HASH}'`,
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

export function docsPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>API reference</title>
<style>${STYLE}</style>
</head>
<body>
<div id="app" data-spec="${escapeHtml(specUrl)}">
<header id="top"><h1>API reference</h1></header>
<div class="layout">
<nav><input id="filter" type="search" placeholder="Filter operations" aria-label="Filter operations"><div id="nav"></div></nav>
<main id="main"><p class="muted">Loading the API description&hellip;</p><noscript>This page needs JavaScript.</noscript></main>
</div>
</div>
<script>${SCRIPT}</script>
</body>
</html>`;
}
