// atmp-kg web page: search, facility finder, SPARQL editor and entity views over the hub API.
// Plain ES module, no build step; every URL is relative so the page works under any base path.

const TYPE_LABELS = {
  product: "Product",
  trial: "Trial",
  site: "Facility",
  org: "Organisation",
  material: "Material",
  "material-product": "Material product",
  "he-authorisation": "Hospital Exemption",
  "he-use-report": "HE use report",
  country: "Country",
  capability: "Capability",
  operation: "Operation",
  disease: "Disease",
  substance: "Substance",
  process: "Process",
  mia: "Manufacturing authorisation",
  "gmp-certificate": "GMP certificate",
  "marketing-authorisation": "Marketing authorisation",
  assessment: "Assessment",
  event: "Event",
};
const TYPE_COLOURS = {
  product: "#2f6fd0",
  trial: "#7a52c7",
  site: "#23876a",
  org: "#9a6a2c",
  material: "#d5732a",
  "material-product": "#e0a26b",
  "he-authorisation": "#c0407a",
  country: "#7b8794",
  capability: "#2a9db0",
  operation: "#4d8fb5",
  disease: "#b0463a",
  mia: "#5a6fb0",
  "gmp-certificate": "#3f8f8f",
  "marketing-authorisation": "#4f7fd0",
  assessment: "#b08a2e",
  other: "#9aa5b1",
};
const MATCH_LABELS = {
  identifier: "identifier",
  "label-exact": "name",
  "label-prefix": "name",
  "label-contains": "name",
  "other-name": "other name",
};

// --- small helpers -----------------------------------------------------------------------------

const $ = (selector) => document.querySelector(selector);

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

async function api(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    url.searchParams.append(key, value);
  }
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body && body.message ? body.message : `${response.status} ${response.statusText}`);
  }
  return body;
}

function setStatus(target, message, isError = false) {
  target.textContent = message || "";
  target.classList.toggle("error", Boolean(isError));
}

// "/id/product/EMEA-H-C-1" -> "#entity/product/EMEA-H-C-1"; null for things without a page.
function entityHash(ref) {
  return ref && ref.page ? "#entity/" + ref.page.replace(/^\/id\//, "") : null;
}

function typeBadge(type) {
  return h("span", { class: `badge type-${type || "other"}` }, TYPE_LABELS[type] || type || "Entity");
}

function illustrativeBadge(item) {
  return item && item.illustrative
    ? h("span", { class: "badge illustrative", title: "Synthetic example, not a sourced fact" }, "illustrative")
    : null;
}

function refLink(ref) {
  if (!ref) return "—";
  const hash = entityHash(ref);
  return hash ? h("a", { href: hash }, ref.label) : ref.label;
}

function joinNodes(items, separator = ", ") {
  return items.flatMap((item, i) => (i ? [separator, item] : [item]));
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// --- views and routing -------------------------------------------------------------------------

const VIEWS = ["search", "finder", "queries", "entity"];

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "search";
  const [path, query] = raw.split("?");
  const [view, ...rest] = path.split("/").map(decodeURIComponent);
  return { view: VIEWS.includes(view) ? view : null, rest, params: new URLSearchParams(query || "") };
}

function showView(view) {
  for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll(".topbar nav a[data-view]")) {
    link.classList.toggle("active", link.dataset.view === view);
  }
}

async function route() {
  const { view, rest, params } = parseHash();
  if (view === null) return; // an anchor inside a view (e.g. YASGUI's tab links), not a route
  showView(view);
  if (view === "search") await searchView(params);
  else if (view === "finder") await finderView(params);
  else if (view === "queries") await queriesView(params);
  else if (view === "entity") await entityView(rest[0], rest.slice(1).join("/"));
}

// --- search ------------------------------------------------------------------------------------

let lastSearch = "";

async function searchView(params) {
  const q = params.get("q") || "";
  const type = params.get("type") || "";
  $("#search-input").value = q;
  $("#search-type").value = type;
  loadOverview();
  await runSearch(q, type);
}

async function runSearch(q, type) {
  const key = `${q}\u0000${type}`;
  if (key === lastSearch) return;
  lastSearch = key;
  const list = $("#search-results");
  const status = $("#search-status");
  if (q.trim().length < 2) {
    list.replaceChildren();
    setStatus(status, q.trim() ? "Type at least two characters." : "");
    return;
  }
  setStatus(status, "Searching…");
  try {
    const page = await api("api/search", { q, type, limit: 25 });
    if (lastSearch !== key) return; // a newer search has started
    list.replaceChildren(...page.items.map(searchHit));
    const more = page.total > page.items.length ? ` (showing ${page.items.length})` : "";
    setStatus(status, page.total ? `${page.total} result${page.total === 1 ? "" : "s"}${more}` : "No match.");
  } catch (error) {
    list.replaceChildren();
    setStatus(status, error.message, true);
  }
}

function searchHit(hit) {
  const matched =
    hit.match === "identifier" || hit.match === "other-name"
      ? `${MATCH_LABELS[hit.match]} (${hit.matched_field}): ${hit.matched_text}`
      : null;
  return h(
    "li",
    {},
    h(
      "a",
      { class: "hit", href: entityHash(hit) || "#search" },
      h("span", { class: "hit-type" }, typeBadge(hit.type)),
      h(
        "span",
        { class: "hit-main" },
        h("span", { class: "hit-label" }, hit.label),
        " ",
        illustrativeBadge(hit),
        h("div", { class: "hit-meta" }, matched || hit.key),
      ),
    ),
  );
}

let overviewLoaded = false;

async function loadOverview() {
  if (overviewLoaded) return;
  overviewLoaded = true;
  const stats = [
    ["api/products", "medicinal products", "#search?type=product"],
    ["api/trials", "clinical trials", null],
    ["api/facilities", "GMP facilities", "#finder"],
    ["api/materials", "materials", null],
    ["api/suppliers", "material suppliers", null],
    ["api/hospital-exemptions", "Hospital-Exemption authorisations", null],
  ];
  const box = $("#overview");
  const cards = await Promise.all(
    stats.map(async ([path, what, hash]) => {
      try {
        const page = await api(path, { limit: 1 });
        return h(
          "a",
          { class: "stat", href: hash || path },
          h("div", { class: "number" }, page.total.toLocaleString("en")),
          h("div", { class: "what" }, what),
        );
      } catch (error) {
        return h("div", { class: "stat" }, h("div", { class: "what" }, `${what}: ${error.message}`));
      }
    }),
  );
  box.replaceChildren(...cards);
}

function wireSearch() {
  const go = () => {
    const q = $("#search-input").value.trim();
    const type = $("#search-type").value;
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (type) params.set("type", type);
    const hash = "#search" + (params.toString() ? "?" + params : "");
    if (location.hash !== hash) history.replaceState(null, "", hash);
    runSearch(q, type);
  };
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go();
  });
  $("#search-input").addEventListener("input", debounce(go, 250));
  $("#search-type").addEventListener("change", go);
}

// --- facility finder ---------------------------------------------------------------------------

let finderReady = null;

function loadFinderChoices() {
  finderReady ??= (async () => {
    const [products, facilities] = await Promise.all([
      api("api/products", { limit: 1000 }),
      api("api/facilities", { limit: 1000 }),
    ]);
    const productSelect = $("#finder-product");
    productSelect.replaceChildren(
      h("option", { value: "" }, "— choose a product —"),
      ...products.items.map((p) =>
        h(
          "option",
          { value: p.key, disabled: !p.has_process },
          p.label + (p.inn ? ` (${p.inn})` : "") + (p.has_process ? "" : " — no process on record"),
        ),
      ),
    );
    const countries = new Map();
    for (const f of facilities.items) if (f.country) countries.set(f.country.key, f.country.label);
    $("#finder-country").replaceChildren(
      h("option", { value: "" }, "All countries"),
      ...[...countries].sort((a, b) => a[1].localeCompare(b[1])).map(([code, label]) => h("option", { value: code }, label)),
    );
  })();
  return finderReady;
}

async function finderView(params) {
  const status = $("#finder-status");
  try {
    await loadFinderChoices();
  } catch (error) {
    finderReady = null;
    setStatus(status, error.message, true);
    return;
  }
  $("#finder-product").value = params.get("product") || "";
  $("#finder-country").value = params.get("country") || "";
  $("#finder-on").value = params.get("on") || "";
  const product = $("#finder-product").value;
  const can = $("#finder-can");
  const cannot = $("#finder-cannot");
  if (!product) {
    can.replaceChildren();
    cannot.replaceChildren();
    $("#finder-can-count").textContent = "";
    $("#finder-cannot-count").textContent = "";
    setStatus(status, "Choose a product to see which facilities can make it.");
    return;
  }
  setStatus(status, "Assessing facilities…");
  try {
    const page = await api(`api/products/${encodeURIComponent(product)}/facilities`, {
      country: params.get("country"),
      on: params.get("on"),
      limit: 1000,
    });
    const yes = page.items.filter((a) => a.can_make);
    const no = page.items.filter((a) => !a.can_make);
    can.replaceChildren(...(yes.length ? yes.map(assessmentCard) : [h("li", { class: "empty" }, "No facility can make it.")]));
    cannot.replaceChildren(...(no.length ? no.map(assessmentCard) : [h("li", { class: "empty" }, "None.")]));
    $("#finder-can-count").textContent = yes.length;
    $("#finder-cannot-count").textContent = no.length;
    const day = page.items.length ? page.items[0].on : params.get("on") || "today";
    setStatus(status, `${page.total} facilit${page.total === 1 ? "y" : "ies"} assessed, on ${day}.`);
  } catch (error) {
    can.replaceChildren();
    cannot.replaceChildren();
    setStatus(status, error.message, true);
  }
}

function assessmentCard(a) {
  const f = a.facility;
  const where = [f.organisation && f.organisation.label, [f.city, f.country && f.country.label].filter(Boolean).join(", ")]
    .filter(Boolean)
    .join(" · ");
  const chips = [
    ...a.missing_capabilities.map((r) => chip("Capability", r.label)),
    ...a.missing_operations.map((r) => chip("Operation", r.label)),
    ...a.missing_materials.map((r) => chip("GMP-grade material", r.label)),
    ...(a.certificate_valid ? [] : [chip("GMP certificate", "none valid")]),
  ];
  return h(
    "li",
    { class: `card ${a.can_make ? "ok" : "no"}`, dataset: { site: f.key } },
    h("h3", {}, h("a", { href: entityHash(f) }, f.label), " ", illustrativeBadge(a)),
    h("div", { class: "where" }, where),
    a.can_make
      ? h(
          "div",
          {},
          h("span", { class: "badge ok" }, "can make it"),
          a.scope ? h("span", { class: "badge" }, `${a.scope} scope`) : null,
          h("span", { class: "badge ok" }, "GMP certificate valid"),
        )
      : h("div", { class: "missing" }, chips),
    a.can_make ? null : h("ul", { class: "reasons" }, a.reasons.map((r) => h("li", {}, r))),
  );
}

function chip(kind, text) {
  return h("span", { class: "chip" }, h("span", { class: "kind" }, kind + ":"), text);
}

function wireFinder() {
  const go = () => {
    const params = new URLSearchParams();
    for (const [name, id] of [["product", "#finder-product"], ["country", "#finder-country"], ["on", "#finder-on"]]) {
      if ($(id).value) params.set(name, $(id).value);
    }
    location.hash = "#finder" + (params.toString() ? "?" + params : "");
  };
  for (const id of ["#finder-product", "#finder-country", "#finder-on"]) $(id).addEventListener("change", go);
}

// --- SPARQL editor -----------------------------------------------------------------------------

let catalogue = null;
let yasgui = null;

async function queriesView(params) {
  const info = $("#query-info");
  try {
    catalogue ??= await api("queries", { limit: 1000 });
  } catch (error) {
    setStatus(info, error.message, true);
    return;
  }
  const select = $("#query-select");
  if (select.options.length <= 1) {
    const topics = new Map();
    for (const q of catalogue.items) {
      if (!topics.has(q.topic)) topics.set(q.topic, []);
      topics.get(q.topic).push(q);
    }
    for (const [topic, queries] of topics) {
      select.append(h("optgroup", { label: topic.replace(/_/g, " ") }, queries.map((q) => h("option", { value: q.id }, `${q.id} — ${q.summary}`))));
    }
  }
  ensureYasgui();
  const id = params.get("id");
  if (id && select.value !== id) select.value = id;
  const chosen = catalogue.items.find((q) => q.id === select.value);
  if (chosen) loadQuery(chosen);
}

function ensureYasgui() {
  if (yasgui || !window.Yasgui) return;
  const endpoint = new URL("sparql", document.baseURI).href;
  // Results in the table's simple view: values without datatype IRIs and angle brackets.
  const table = window.Yasgui.Yasr.defaults.plugins.table;
  if (table) table.dynamicConfig = { ...table.dynamicConfig, compact: true };
  yasgui = new window.Yasgui($("#yasgui"), {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    // The page owns location.hash (its routes); YASGUI would read and clear it for share links.
    populateFromUrl: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: () => [{ endpoint }] },
    yasqe: {
      autocompleters: ["prefixes", "variables"],
      consumeShareLink: null,
      createShareableLink: null,
      editorHeight: "320px",
    },
  });
}

function loadQuery(q) {
  const info = $("#query-info");
  info.classList.remove("error");
  const params = q.parameters.length
    ? h("div", {}, "Parameters: ", joinNodes(q.parameters.map((p) => h("code", { title: p.description }, `${p.name}${p.required ? "*" : ""}: ${p.type}`))))
    : null;
  info.replaceChildren(
    h("div", {}, h("strong", {}, q.summary)),
    h("div", {}, q.description),
    params,
    h("div", {}, "Run it through the API: ", h("a", { href: q.example_href.replace(/^\//, "") }, q.example_href)),
  );
  if (yasgui) yasgui.getTab().setQuery(q.sparql);
}

function wireQueries() {
  $("#query-select").addEventListener("change", (event) => {
    const id = event.target.value;
    location.hash = "#queries" + (id ? "?id=" + encodeURIComponent(id) : "");
  });
}

// --- entity view -------------------------------------------------------------------------------

async function entityView(type, key) {
  const status = $("#entity-status");
  setStatus(status, "Loading…");
  for (const id of ["#entity-types", "#entity-title", "#entity-iri", "#entity-links", "#entity-properties", "#entity-legend"]) {
    $(id).replaceChildren();
  }
  $("#entity-graph").replaceChildren();
  try {
    const n = await api(`api/neighbourhood/${encodeURIComponent(type)}/${key.split("/").map(encodeURIComponent).join("/")}`);
    setStatus(status, "");
    renderEntity(n);
  } catch (error) {
    setStatus(status, error.message, true);
  }
}

function renderEntity(n) {
  const node = n.node;
  document.title = `${node.label} — atmp-kg`;
  $("#entity-types").replaceChildren(
    typeBadge(n.nodes[0].type),
    ...node.types.map((t) => h("span", { class: "badge" }, t)),
    illustrativeBadge(node),
  );
  $("#entity-title").textContent = node.label;
  $("#entity-iri").textContent = node.iri;
  const page = node.page ? node.page.replace(/^\//, "") : null;
  const links = [];
  if (page) {
    links.push(h("a", { href: page }, "Linked-data page"));
    links.push(h("a", { href: page + "?format=ttl" }, "Turtle"));
    links.push(h("a", { href: page + "?format=jsonld" }, "JSON-LD"));
  }
  const type = n.nodes[0].type;
  if (type === "product") links.push(h("a", { href: `#finder?product=${encodeURIComponent(node.key)}` }, "Which facilities can make it?"));
  if (type === "site") links.push(h("a", { href: `api/facilities/${encodeURIComponent(node.key)}/products` }, "What can it make? (JSON)"));
  $("#entity-links").replaceChildren(...links);

  const rows = n.properties.map((p) =>
    h(
      "tr",
      {},
      h("th", { title: p.predicate }, p.predicate_label),
      h(
        "td",
        {},
        p.ref ? refLink(p.ref) : p.value,
        p.language ? h("span", { class: "dtype" }, "@" + p.language) : null,
        p.datatype && !p.datatype.endsWith("#string") ? h("span", { class: "dtype" }, p.datatype.split(/[#/]/).pop()) : null,
      ),
    ),
  );
  $("#entity-properties").replaceChildren(h("tbody", {}, rows));
  $("#entity-graph-note").textContent = n.truncated ? "(first neighbours only)" : "";
  drawGraph(n);
}

// Radial layout: the entity in the centre, its neighbours round it grouped by the property that
// links them (two rings when there are many), each label turned outwards so that few overlap.
function layout(n, width, height) {
  const cx = width / 2;
  const cy = height / 2;
  const role = new Map();
  for (const e of n.edges) {
    const other = e.source === n.node.iri ? e.target : e.source;
    if (!role.has(other)) role.set(other, (e.source === n.node.iri ? "" : "← ") + e.label);
  }
  const others = n.nodes.slice(1).sort((a, b) => (role.get(a.iri) || "").localeCompare(role.get(b.iri) || "") || a.label.localeCompare(b.label));
  const twoRings = others.length > 14;
  const placed = [{ node: n.nodes[0], x: cx, y: cy, angle: null, role: null }];
  others.forEach((node, i) => {
    const angle = (2 * Math.PI * i) / Math.max(others.length, 1) - Math.PI / 2;
    const ring = twoRings && i % 2 ? 0.62 : 1;
    const rx = (width / 2 - 150) * ring;
    const ry = (height / 2 - 40) * ring;
    placed.push({ node, x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle), angle, role: role.get(node.iri) || "" });
  });
  return placed;
}

function drawGraph(n) {
  const box = $("#entity-graph");
  const width = box.clientWidth || 640;
  const height = box.clientHeight || 460;
  box.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const placed = layout(n, width, height);
  const centre = placed[0];
  const edgeLayer = svg("g");
  const nodeLayer = svg("g");
  const types = new Set();
  for (const p of placed) {
    const type = TYPE_COLOURS[p.node.type] ? p.node.type : "other";
    types.add(type);
    const isCentre = p === centre;
    if (!isCentre) {
      edgeLayer.append(svg("line", { class: "edge", x1: centre.x, y1: centre.y, x2: p.x, y2: p.y }, svg("title", {}, p.role)));
    }
    const cos = isCentre ? 0 : Math.cos(p.angle);
    const anchor = isCentre || Math.abs(cos) < 0.25 ? "middle" : cos > 0 ? "start" : "end";
    const dx = anchor === "start" ? 13 : anchor === "end" ? -13 : 0;
    const below = isCentre || Math.sin(p.angle) >= 0;
    const dy = anchor === "middle" ? (below ? (isCentre ? 30 : 24) : -22) : -1;
    const room = isCentre ? 48 : 26;
    const name = p.node.label.length > room ? p.node.label.slice(0, room - 2) + "…" : p.node.label;
    const group = svg(
      "g",
      { class: isCentre ? "node centre" : "node", transform: `translate(${p.x},${p.y})`, tabindex: p.node.page && !isCentre ? "0" : "-1" },
      svg("circle", { r: isCentre ? 14 : 8, fill: TYPE_COLOURS[type] }),
      svg("text", { x: dx, y: dy, "text-anchor": anchor, class: "name" }, name),
      isCentre ? svg("g") : svg("text", { x: dx, y: dy + 13, "text-anchor": anchor, class: "role" }, p.role),
      svg("title", {}, `${p.node.label}\n${p.node.iri}`),
    );
    const hash = entityHash(p.node);
    if (hash && !isCentre) {
      group.addEventListener("click", () => (location.hash = hash));
      group.addEventListener("keydown", (event) => event.key === "Enter" && (location.hash = hash));
    }
    nodeLayer.append(group);
  }
  box.replaceChildren(edgeLayer, nodeLayer);
  $("#entity-legend").replaceChildren(
    ...[...types].map((t) => {
      const item = h("span", {}, TYPE_LABELS[t] || (t === "other" ? "Other" : t));
      item.style.setProperty("--dot", TYPE_COLOURS[t]);
      return item;
    }),
  );
}

// --- start -------------------------------------------------------------------------------------

wireSearch();
wireFinder();
wireQueries();
window.addEventListener("hashchange", route);
route();
