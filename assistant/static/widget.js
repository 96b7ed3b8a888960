/*!
 * Svarsassistenten – chattwidget för samverkansöverenskommelser.
 *
 * Bädda in med en tagg (se docs/widget.md):
 *   <script src="https://HOST/widget.js" defer
 *           data-api="https://HOST/" data-region="Värmland" data-title="Fråga om samverkan"></script>
 *
 * Vanlig JavaScript (ES2020) utan byggsteg; inget hämtas från något CDN. Allt ritas i en
 * Shadow DOM, så sidans CSS läcker varken in eller ut. Svaret strömmas från
 * POST /v1/ask/stream (Server-Sent Events) och källorna visas som numrerade kort.
 */
(() => {
  "use strict";

  // Captured at once: document.currentScript is only set while this file first runs.
  const SCRIPT =
    document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (window.__svarsassistentenWidget) return; // the tag twice on a page: one widget
  window.__svarsassistentenWidget = true;

  const HOST_TAG = "svarsassistent-widget";
  const STORAGE_KEY = "svarsassistenten:region";
  const DEFAULT_TITLE = "Fråga om samverkansavtalen";
  const ASK_TIMEOUT_MS = 120000;
  const FEEDBACK_TIMEOUT_MS = 20000;
  const PROBE_TIMEOUT_MS = 5000;
  const MAX_QUESTION = 1000; // = MAX_QUESTION_CHARS in assistant/text.py (tests/test_text.py)
  const MAX_COMMENT = 2000;
  const CHANNEL = { "X-Assistant-Channel": "web" };
  const EXAMPLES = [
    "Vem kallar till SIP?",
    "Vem ansvarar för abstinensvård?",
    "Ska kommunen eller regionen ordna boende?",
  ];
  const PARTIES = ["kommun", "region", "gemensamt", "annan"];
  const NATIONAL = "Nationell vägledning";

  const ICONS = {
    chat:
      '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" ' +
      'fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>' +
      '<path d="M7 9h10M7 13h6" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>',
    close:
      '<path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.5" ' +
      'stroke-linecap="round"/>',
    copy:
      '<rect x="8" y="8" width="12" height="12" rx="2" fill="none" stroke="currentColor" ' +
      'stroke-width="2"/><path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" ' +
      'fill="none" stroke="currentColor" stroke-width="2"/>',
    up:
      '<path d="M7 11v9H4v-9h3zm0 0l4-7a2 2 0 0 1 3 2l-1 4h5a2 2 0 0 1 2 2.3l-1.2 6A2 2 0 0 1 ' +
      '16.8 20H7" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>',
    down:
      '<path d="M7 13V4H4v9h3zm0 0l4 7a2 2 0 0 0 3-2l-1-4h5a2 2 0 0 0 2-2.3l-1.2-6A2 2 0 0 0 ' +
      '16.8 4H7" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>',
    alert:
      '<path d="M12 3l10 18H2L12 3z" fill="none" stroke="currentColor" stroke-width="2" ' +
      'stroke-linejoin="round"/><path d="M12 10v5M12 17.5v.5" stroke="currentColor" ' +
      'stroke-width="2" stroke-linecap="round"/>',
    chevron:
      '<path d="M6 9l6 6 6-6" fill="none" stroke="currentColor" stroke-width="2.5" ' +
      'stroke-linecap="round" stroke-linejoin="round"/>',
  };

  const CSS = `
:host {
  all: initial !important;
  display: block !important;
  direction: ltr !important;
  visibility: visible !important;
  opacity: 1 !important;
}
[hidden] { display: none !important; }
.root {
  --sa-accent: #0a4f94;
  --sa-accent-dark: #083b6f;
  --sa-text: #1b1b1b;
  --sa-muted: #454a52;
  --sa-border: #8a9099;
  --sa-line: #d3d7dd;
  --sa-field: #5f6670;
  --sa-soft: #f3f5f8;
  --sa-user: #e7f0fa;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1em;
  line-height: 1.5;
  color: var(--sa-text);
  color-scheme: light;
  text-align: left;
  overflow-wrap: break-word;
  hyphens: auto;
  -webkit-text-size-adjust: 100%;
}
.root *, .root *::before, .root *::after { box-sizing: border-box; }
.vh {
  position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0;
}
svg { width: 1.25em; height: 1.25em; flex: none; }
a { color: var(--sa-accent); text-decoration: underline; text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px; box-shadow: 0 0 0 2px #ffffff; }
h2, h3, h4, p, ul, ol, blockquote { margin: 0; }

/* Launcher and panel (pop-up mode) */
.launcher {
  position: fixed; right: 1.25em; bottom: 1.25em; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 0.5em;
  min-height: 3em; max-width: calc(100vw - 2.5em); padding: 0.625em 1.125em;
  border: 2px solid #ffffff; border-radius: 1.5em;
  background: var(--sa-accent); color: #ffffff;
  font: inherit; font-weight: 600; cursor: pointer;
  box-shadow: 0 0.25em 1em rgba(0, 0, 0, 0.3);
}
.launcher:hover { background: var(--sa-accent-dark); }
.launcher .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.panel { display: flex; flex-direction: column; background: #ffffff; color: var(--sa-text); }
.popup .panel {
  position: fixed; right: 1.25em; bottom: 5.25em; z-index: 2147483001;
  width: 26em; max-width: calc(100vw - 2.5em);
  height: 42em; max-height: calc(100vh - 7em);
  border: 1px solid var(--sa-border); border-radius: 0.75em; overflow: hidden;
  box-shadow: 0 0.5em 2em rgba(0, 0, 0, 0.3);
}
.head {
  display: flex; align-items: center; justify-content: space-between; gap: 0.5em;
  min-height: 3.25em; padding: 0.375em 0.5em 0.375em 1em;
  background: var(--sa-accent); color: #ffffff; flex: none;
}
.head h2 { font-size: 1.125em; line-height: 1.3; font-weight: 700; }
.head :focus-visible { outline-color: #ffffff; box-shadow: 0 0 0 2px #1b1b1b; }
.close {
  display: inline-flex; align-items: center; justify-content: center; flex: none;
  width: 2.75em; height: 2.75em; padding: 0; border: 0; border-radius: 0.375em;
  background: transparent; color: #ffffff; font: inherit; cursor: pointer;
}
.close:hover { background: rgba(255, 255, 255, 0.18); }
.bar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.25em 0.625em; flex: none;
  padding: 0.5em 1em; background: var(--sa-soft); border-bottom: 1px solid var(--sa-line);
}
.bar label { font-weight: 600; }
select, textarea {
  font: inherit; color: var(--sa-text); background: #ffffff;
  border: 1px solid var(--sa-field); border-radius: 0.375em;
}
select { min-height: 2.5em; max-width: 100%; padding: 0.25em 0.5em; }
.log {
  flex: 1 1 auto; min-height: 0; overflow-y: auto; overscroll-behavior: contain;
  position: relative; display: flex; flex-direction: column; gap: 0.875em; padding: 1em;
}
.log:focus-visible { outline-offset: -3px; box-shadow: none; }
.inline .log { overflow: visible; }
/* Keep what gets focus clear of the sticky question form below it. */
.inline .log * { scroll-margin-bottom: 10em; }

/* Messages */
.welcome p + p, .welcome ul { margin-top: 0.5em; }
.examples { list-style: none; padding: 0; display: flex; flex-direction: column;
            align-items: flex-start; gap: 0.375em; }
.msg { border-radius: 0.75em; padding: 0.75em 1em; overflow-wrap: anywhere;
       scroll-margin: 1em 0 10em; }
.msg > * + * { margin-top: 0.5em; }
.msg > .vh + * { margin-top: 0; }
.msg-user { align-self: flex-end; max-width: 88%; background: var(--sa-user);
            border: 1px solid #b7cde6; white-space: pre-wrap; }
.msg-bot { background: #ffffff; border: 1px solid #c3c8cf; }
.msg-error { background: #fdf2f2; border: 1px solid #b42318; border-left-width: 0.375em; }
.msg-error .btn { margin-top: 0.625em; }
.answer-text { white-space: pre-line; }
.declined { font-weight: 700; color: #7a1d1d; }
/* Who is responsible: one line per party and region, first in the answer. */
.parties { list-style: none; padding: 0; display: flex; flex-direction: column; gap: 0.1875em; }
.party { display: block; padding: 0.0625em 0.625em; border-left: 0.375em solid currentColor;
         border-radius: 0 0.375em 0.375em 0; font-size: 0.9375em; font-weight: 700;
         line-height: 1.4; }
.party-region { color: #0a3d73; background: #e6f0fb; }
.party-kommun { color: #14532d; background: #e9f7ee; }
.party-gemensamt { color: #4c1d95; background: #f1ebfb; }
.party-annan { color: #5b3208; background: #fbf1e4; }
.party-area { color: #33373d; background: var(--sa-soft); font-weight: 600; }
.party .sep { font-weight: 400; }
.msg > .parties + .warnings, .msg > .declined + .parties { margin-top: 0.375em; }
.pill { display: inline-block; padding: 0.0625em 0.625em; border: 1px solid currentColor;
        border-radius: 1em; font-size: 0.875em; font-weight: 600; }
.pill-used { color: #14532d; background: #e9f7ee; }
/* Warnings: one short line each, the whole note behind it. */
.warnings { list-style: none; padding: 0.1875em 0.5em; background: #fff4e8;
            border-left: 0.375em solid #9a3412; border-radius: 0 0.375em 0.375em 0;
            font-size: 0.9375em; }
.warn-line, .warn-toggle { display: flex; align-items: flex-start; gap: 0.375em; width: 100%;
                           min-height: 1.6em; padding: 0.125em 0; color: #7c2d12;
                           font-weight: 600; line-height: 1.35; text-align: left; }
.warn-toggle { border: 0; background: transparent; font: inherit; font-weight: 600;
               cursor: pointer; }
.warn-toggle:hover .warn-short { text-decoration: underline; }
.warn-line svg, .warn-toggle svg { width: 1.1em; height: 1.1em; margin-top: 0.15em; }
.warn-short { flex: 1 1 auto; min-width: 0; }
.warn-toggle[aria-expanded="true"] .chev { transform: rotate(180deg); }
.warn-detail { padding: 0 0 0.375em 1.5em; color: var(--sa-text); }
.matrix-link { font-size: 0.9375em; }
.sources-title { font-size: 0.9375em; font-weight: 700; margin-top: 0.875em; }
.more { display: inline-flex; align-items: center; gap: 0.375em; min-height: 2.75em;
        padding: 0.375em 0.75em; border: 1px solid var(--sa-accent); border-radius: 0.375em;
        background: #ffffff; color: var(--sa-accent); font: inherit; font-size: 0.9375em;
        font-weight: 600; cursor: pointer; }
.more:hover { background: #e6f0fb; }
.more[aria-expanded="true"] .chev { transform: rotate(180deg); }
.sources + .more, .more + .sources { margin-top: 0.625em; }
.sources { list-style: none; padding: 0; display: flex; flex-direction: column; gap: 0.625em; }
.source { padding: 0.625em 0.75em; background: var(--sa-soft); border: 1px solid #c3c8cf;
          border-radius: 0.5em; font-size: 0.9375em; }
.source > * + * { margin-top: 0.375em; }
.src-title { display: flex; align-items: baseline; gap: 0.5em; font-weight: 600; line-height: 1.35; }
.src-n { flex: none; display: inline-flex; align-items: center; justify-content: center;
         min-width: 1.625em; height: 1.625em; padding: 0 0.25em; border-radius: 0.8125em;
         background: var(--sa-accent); color: #ffffff; font-size: 0.875em; font-weight: 700; }
.src-meta { color: var(--sa-muted); font-size: 0.9375em; }
.src-meta span + span::before { content: " · "; }
.src-quote { padding: 0.125em 0 0.125em 0.75em; border-left: 0.25em solid var(--sa-accent);
             white-space: pre-line; }
.source summary { cursor: pointer; color: var(--sa-accent); text-decoration: underline;
                  text-underline-offset: 0.15em; width: fit-content; }
.passage { margin-top: 0.375em; white-space: pre-line; }

/* Buttons */
.btn {
  display: inline-flex; align-items: center; gap: 0.375em;
  min-height: 2.75em; padding: 0.375em 0.875em;
  border: 1px solid var(--sa-field); border-radius: 0.375em;
  background: #ffffff; color: var(--sa-text);
  font: inherit; font-size: 0.9375em; text-align: left; cursor: pointer;
}
.btn:hover { background: var(--sa-soft); }
.btn-primary { background: var(--sa-accent); border-color: var(--sa-accent); color: #ffffff;
               font-weight: 600; }
.btn-primary:hover { background: var(--sa-accent-dark); }
.btn-primary[aria-disabled="true"] { cursor: progress; }
.btn[aria-pressed="true"] { border: 2px solid var(--sa-accent); background: #e6f0fb;
                            color: #0a3d73; font-weight: 700; }
.example { border-color: var(--sa-accent); color: var(--sa-accent); border-radius: 1.375em; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5em;
           margin-top: 0.875em; padding-top: 0.75em; border-top: 1px solid #e1e4e8; }
.rating { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5em; }
.rating-label { color: var(--sa-muted); font-size: 0.9375em; }
.fb-form { padding: 0.75em; background: var(--sa-soft); border-radius: 0.5em; }
.fb-form label { display: block; font-weight: 600; }
.fb-form textarea { display: block; width: 100%; margin-top: 0.25em; padding: 0.5em; resize: vertical; }
.fb-buttons { display: flex; flex-wrap: wrap; gap: 0.5em; margin-top: 0.5em; }
.fb-error { color: #8a1c12; font-weight: 600; margin-top: 0.5em; }
.fb-thanks { font-weight: 600; color: #14532d; }

/* Status line and question form */
.status { flex: none; padding: 0 1em; color: var(--sa-muted); font-size: 0.9375em; }
.status:not(:empty) { padding-top: 0.375em; padding-bottom: 0.375em; }
.ask { flex: none; padding: 0.625em 1em 0.75em; background: #ffffff;
       border-top: 1px solid var(--sa-line); }
.ask-label { display: block; font-weight: 600; margin-bottom: 0.25em; }
.ask-row { display: flex; align-items: flex-end; gap: 0.5em; }
.ask textarea { flex: 1 1 auto; min-width: 0; min-height: 2.75em; max-height: 9em;
                padding: 0.5em 0.625em; line-height: 1.4; resize: none; }
.ask .btn { flex: none; }
.hint { color: var(--sa-muted); font-size: 0.875em; margin-top: 0.25em; }
.typing { display: inline-flex; gap: 0.3em; padding: 0.25em 0; }
.typing span { width: 0.5em; height: 0.5em; border-radius: 50%; background: var(--sa-muted);
               animation: sa-blink 1.2s infinite ease-in-out; }
.typing span:nth-child(2) { animation-delay: 0.2s; }
.typing span:nth-child(3) { animation-delay: 0.4s; }
@keyframes sa-blink { 0%, 80%, 100% { opacity: 0.25; } 40% { opacity: 1; } }

/* Inline (full page) mode: the page scrolls, the question form stays in view. */
.inline .panel { border: 1px solid var(--sa-border); border-radius: 0.75em; min-height: 28em; }
.inline .head { border-radius: 0.75em 0.75em 0 0; }
.inline .ask { position: sticky; bottom: 0; border-radius: 0 0 0.75em 0.75em;
               box-shadow: 0 -0.25em 0.75em rgba(0, 0, 0, 0.08); }

/* Narrow or short screens (320 px, 200 % zoom): the panel fills the window. */
@media (max-width: 30em), (max-height: 34em) {
  .popup .panel { top: 0; left: 0; right: 0; bottom: 0; width: auto; height: auto;
                  max-width: none; max-height: none; border: 0; border-radius: 0; }
  .popup.open .launcher { display: none; }
}
@media (max-height: 34em) {
  /* Too short for a fixed header and form around a scrolling log: scroll the panel. */
  .popup .panel { overflow-y: auto; }
  .popup .log { flex: none; overflow: visible; }
  .popup .ask { position: sticky; bottom: 0; }
  .ask .hint { display: none; }
}
@media (max-width: 30em) {
  .msg { padding: 0.625em 0.75em; }
  .log { padding: 0.75em; }
  .source { padding: 0.5em 0.625em; }
  .inline .panel { border-radius: 0; border-left: 0; border-right: 0; }
  .inline .head, .inline .ask { border-radius: 0; }
}
@media (prefers-reduced-motion: reduce) {
  .typing span { animation: none; opacity: 0.6; }
}
@media (forced-colors: active) {
  .launcher, .src-n, .pill, .btn, .more { border: 1px solid ButtonText; }
  .party, .warnings { border-left-color: CanvasText; }
  .typing span { background: CanvasText; }
}
`;

  // ── Configuration from the script tag ────────────────────────────────────────────

  function readConfig(script) {
    const data = (script && script.dataset) || {};
    const src = script && script.src ? script.src : location.href;
    let api = (data.api || "").trim() || new URL(".", src).href;
    api = new URL(api, location.href).href;
    if (!api.endsWith("/")) api += "/";
    return {
      api,
      region: (data.region || "").trim(),
      title: (data.title || "").trim() || DEFAULT_TITLE,
      container: (data.container || "").trim(),
    };
  }

  const config = readConfig(SCRIPT);
  const endpoint = (path) => new URL(path, config.api).href;

  // ── Small helpers ────────────────────────────────────────────────────────────────

  /** An element with attributes and children (text is always inserted as text). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      el.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.innerHTML = ICONS[name]; // constant markup from this file, never data
    return svg;
  }

  function storedRegion() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (_) {
      return null; // storage blocked (privacy settings, sandboxed frame)
    }
  }

  function storeRegion(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (_) {
      /* the choice then lasts only for this page view */
    }
  }

  /** An http(s) link to a passage view; relative links resolve against the API. */
  function passageUrl(raw) {
    if (!raw) return null;
    try {
      const url = new URL(raw, config.api);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  /** "s. 12", or "" where the source does not reveal the page (never a guess). */
  function pageLabel(page) {
    return page ? `s. ${page}` : "";
  }

  /** "Dalarna", "Dalarna och Värmland", "Dalarna, Värmland och Västmanland". */
  function joinedNames(names) {
    if (names.length <= 1) return names.join("");
    return `${names.slice(0, -1).join(", ")} och ${names[names.length - 1]}`;
  }

  /** What a set of parties in one region comes to: a label and its colour class. */
  function partyLabel(parties, others) {
    const has = (party) => parties.has(party);
    const only = (party) => parties.size === 1 && has(party);
    if (only("region")) return { party: "region", text: "Regionen ansvarar" };
    if (only("kommun")) return { party: "kommun", text: "Kommunen ansvarar" };
    if (only("gemensamt")) return { party: "gemensamt", text: "Gemensamt ansvar" };
    if (only("annan")) return { party: "annan", text: `Annan: ${others.join(", ") || "annan aktör"}` };
    const parts = [];
    if (has("kommun") || has("gemensamt")) parts.push("kommunen");
    if (has("region") || has("gemensamt")) parts.push("regionen");
    if (has("annan")) parts.push(...(others.length ? others : ["annan aktör"]));
    return { party: "gemensamt", text: `Delat: ${parts.join(" / ")}` };
  }

  /**
   * The answer's party lines, from its `responsibilities` (one per region and party; regions
   * with the same party share a line), else from `responsible` over its `regions`; regions
   * the answer covers that no line names get an "Oklart vem" line (or "Gäller:" if no line names
   * a party), so every region is listed.
   */
  function partyLines(body) {
    if (body.status === "no_support") return [];
    const regions = (body.regions || []).length ? [...body.regions] : body.region ? [body.region] : [];
    const byRegion = new Map();
    for (const r of body.responsibilities || []) {
      if (!r || r.polarity === "not" || !PARTIES.includes(r.party)) continue; // a "not" never names its actor
      const where = r.region || NATIONAL;
      if (!byRegion.has(where)) byRegion.set(where, { parties: new Set(), others: [] });
      const entry = byRegion.get(where);
      entry.parties.add(r.party);
      const actor = String(r.actor || "").trim();
      if (r.party === "annan" && actor && !entry.others.includes(actor)) entry.others.push(actor);
    }
    if (!byRegion.size && PARTIES.includes(body.responsible) && body.responsible !== "annan") {
      for (const where of regions.length ? regions : [""]) {
        byRegion.set(where, { parties: new Set([body.responsible]), others: [] });
      }
    }
    const order = [...regions, ...[...byRegion.keys()].filter((r) => !regions.includes(r))];
    const lines = [];
    for (const where of order) {
      const entry = byRegion.get(where);
      if (!entry) continue;
      const label = partyLabel(entry.parties, entry.others);
      const same = lines.find((l) => l.text === label.text);
      if (same) {
        if (where) same.regions.push(where);
      } else {
        lines.push({ ...label, regions: where ? [where] : [] });
      }
    }
    const named = new Set(lines.flatMap((l) => l.regions));
    const rest = regions.filter((r) => !named.has(r));
    // A region the answer covers without a party: "Gäller" if no line names a party, else
    // its text does not say who ("Oklart vem · Västmanland").
    if (rest.length && lines.length) lines.push({ party: "area", text: "Oklart vem", regions: rest });
    else if (rest.length) lines.push({ party: "area", text: "Gäller", regions: rest, area: true });
    return lines;
  }

  /** A party line as text ("Regionen ansvarar · Dalarna"), for copying and reading out. */
  function partyText(line) {
    if (line.area) return `Gäller: ${joinedNames(line.regions)}`;
    return line.regions.length ? `${line.text} · ${joinedNames(line.regions)}` : line.text;
  }

  // The service's warnings are sentences (assistant/answer/compose.py, validity.py); each
  // gets a line short enough for a phone, the whole sentence kept behind it.
  const WARNING_LINES = [
    [/^Frågan nämner ingen region\./, () => "Frågan nämner ingen region"],
    [/^Svaret skiljer sig mellan regioner\./, () => "Skiljer sig mellan regioner"],
    [/^Svaret gäller flera regioner:/, () => "Samma ansvar i flera regioner"],
    [
      /^(?:Överenskommelsen för (.+?) \(”[^”]*”\)|Vägledningen ”[^”]*”) gällde till och med (\d{4}-\d{2}-\d{2}); giltighetstiden har gått ut\./,
      (m) => `${m[1] || "Vägledningen"}: gick ut ${m[2]}`,
      (m) => [m[1] || "Vägledningen", "utgången"],
    ],
    [
      /^(?:Överenskommelsen för (.+?) \(”[^”]*”\)|Vägledningen ”[^”]*”) är märkt som förslag/,
      (m) => `${m[1] || "Vägledningen"}: förslag, ej beslutad`,
      (m) => [m[1] || "Vägledningen", "förslag"],
    ],
    [
      /^Frågan nämner (.+?), så svaret gäller \1 och inte (.+?), som är vald/,
      (m) => `Svaret gäller ${m[1]}, inte ${m[2]}`,
    ],
    [/^Svaret är formulerat av en språkmodell/, () => "Formulerat av en språkmodell"],
  ];

  /** A warning as {short, detail, about}: a line for the list, the whole note (or "" if the
   * line is it), and for a note on one agreement [its region, the concern in a word, its title]. */
  function warningParts(text, citations) {
    const full = fullTitles(String(text || "").trim(), citations);
    for (const [pattern, line, about] of WARNING_LINES) {
      const m = full.match(pattern);
      if (!m) continue;
      const title = (full.match(/”([^”]*)”/) || [])[1] || ""; // which agreement, for grouping
      return { short: line(m), detail: full, about: about ? [...about(m), title] : null };
    }
    // Unknown wording: its first sentence, any quoted title left to the detail.
    const first = full.split(/(?<=[.!?])\s+(?=[A-ZÅÄÖ])/)[0].replace(/\s*\(”[^”]*”\)/g, "");
    return first === full ? { short: full, detail: "", about: null } : { short: first, detail: full, about: null };
  }

  /** The warnings as list lines: notes on one agreement (same title: past its end, a draft) share one
   * line ("Dalarna: utgången, förslag"), their whole sentences together behind it. */
  function warningItems(list, citations) {
    const items = [];
    for (const warning of list) {
      const part = warningParts(warning, citations);
      const same = part.about && items.find((i) => i.about && i.about[2] === part.about[2]);
      if (same) {
        same.concerns.push(part.about[1]);
        same.short = `${same.about[0]}: ${same.concerns.join(", ")}`;
        same.detail = `${same.detail} ${part.detail}`;
      } else {
        items.push({ ...part, concerns: part.about ? [part.about[1]] : [] });
      }
    }
    return items;
  }

  /** The note with an agreement's title cut short ("… om samverkan kring …") written out
   * from the citations (their short title if they have one). */
  function fullTitles(text, citations) {
    return text.replace(/”([^”]*?)\s?…”/g, (whole, start) => {
      const c = (citations || []).find((c) => c.title && c.title.startsWith(start.trim()));
      return c ? `”${c.short_title || c.title}”` : whole;
    });
  }

  class WidgetError extends Error {
    constructor(kind, message, status) {
      super(message || kind);
      this.kind = kind; // network | cors | interrupted | timeout | http | stream
      this.detail = message || "";
      this.status = status || 0;
    }
  }

  /** A friendly Swedish sentence for what went wrong. */
  function friendlyMessage(error) {
    const detail = error && error.detail ? String(error.detail) : "";
    switch (error && error.kind) {
      case "network":
        return "Det gick inte att nå tjänsten. Kontrollera din anslutning och försök igen.";
      case "cors":
        return (
          "Servern tillåter inte frågor från den här sidan (CORS). Det är en inställning hos " +
          "tjänsten, inte ett fel i ditt nätverk: den som ansvarar för tjänsten behöver lägga " +
          `till ${location.origin} bland de tillåtna webbplatserna (ASSISTANT_CORS_ORIGINS).`
        );
      case "interrupted":
        return "Kontakten med tjänsten bröts innan svaret kom, men tjänsten svarar nu. Försök igen.";
      case "timeout":
        return "Det tog för lång tid att få ett svar. Försök igen om en stund.";
      case "stream":
        return detail
          ? `Svaret avbröts: ${detail}`
          : "Svaret avbröts innan det blev klart. Försök igen.";
      case "http": {
        const status = error.status;
        if (status === 400 || status === 413 || status === 422) {
          return detail
            ? `Frågan kunde inte tas emot: ${detail}`
            : "Frågan kunde inte tas emot. Ändra den och försök igen.";
        }
        if (status === 401 || status === 403) {
          return status === 401
            ? "Tjänsten kräver en API-nyckel, och chatten har ingen giltig (401). Det är en " +
                "inställning hos tjänsten, inte ditt fel: kontakta den som ansvarar för tjänsten."
            : "Tjänsten nekar chatten att fråga (403). Det är en inställning hos tjänsten, inte " +
                "ditt fel: kontakta den som ansvarar för tjänsten.";
        }
        if (status === 404) {
          return "Tjänsten finns inte på den angivna adressen. Kontakta den som ansvarar för intranätet.";
        }
        if (status === 429) {
          return "Tjänsten får många frågor just nu. Vänta en liten stund och försök igen.";
        }
        if (status === 503) {
          return (
            "Tjänsten är inte redo just nu: den startar eller läser in överenskommelserna. " +
            "Det är inte ditt nätverk. Försök igen om en stund."
          );
        }
        return "Något gick fel hos tjänsten. Försök igen om en stund.";
      }
      default:
        return "Något oväntat gick fel. Försök igen.";
    }
  }

  async function httpError(response) {
    let message = "";
    try {
      const body = await response.json();
      message = (body && body.error && body.error.message) || "";
    } catch (_) {
      /* not our JSON error shape */
    }
    return new WidgetError("http", message, response.status);
  }

  /** fetch() with a time limit; network failures and time-outs become WidgetErrors. */
  async function request(url, options, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url, { ...options, signal: controller.signal });
      return { response, controller, timer };
    } catch (_) {
      clearTimeout(timer);
      if (controller.signal.aborted) throw new WidgetError("timeout");
      throw new WidgetError(await unreachable(url));
    }
  }

  /**
   * Why fetch() failed without a response: "network", "cors" or "interrupted". To fetch(),
   * a refused origin (CORS) looks just like a lost connection. An opaque (no-cors) request
   * to /healthz reaches the server whatever its CORS settings; a readable (cors) one only
   * from an origin it allows. Same-origin pages cannot be refused, so they are not probed.
   */
  async function unreachable(url) {
    let origin;
    try {
      origin = new URL(url).origin;
    } catch (_) {
      return "network";
    }
    if (origin === location.origin) return "network";
    const probe = async (mode) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
      try {
        await fetch(endpoint("healthz"), { mode, cache: "no-store", signal: controller.signal });
        return true;
      } catch (_) {
        return false;
      } finally {
        clearTimeout(timer);
      }
    };
    if (!(await probe("no-cors"))) return "network";
    return (await probe("cors")) ? "interrupted" : "cors";
  }

  /** POST a question and hand each Server-Sent Event (name, data) to onEvent. */
  async function streamAnswer(body, onEvent) {
    const { response, controller, timer } = await request(
      endpoint("v1/ask/stream"),
      {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...CHANNEL },
        body: JSON.stringify(body),
      },
      ASK_TIMEOUT_MS
    );
    try {
      if (!response.ok) throw await httpError(response);
      if (!response.body) {
        parseEvents(await response.text() + "\n\n", onEvent);
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for (;;) {
          let chunk;
          try {
            chunk = await reader.read();
          } catch (_) {
            throw new WidgetError(controller.signal.aborted ? "timeout" : "network");
          }
          if (chunk.done) break;
          buffer = parseEvents(buffer + decoder.decode(chunk.value, { stream: true }), onEvent);
        }
        parseEvents(buffer + decoder.decode() + "\n\n", onEvent);
      } catch (error) {
        reader.cancel().catch(() => {});
        throw error;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Dispatch the complete events in text; return the incomplete rest. */
  function parseEvents(text, onEvent) {
    // A lone "\r" at the end may be half of "\r\n": keep it for the next chunk.
    const keep = text.endsWith("\r") ? "\r" : "";
    let rest = (keep ? text.slice(0, -1) : text).replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = rest.indexOf("\n\n")) >= 0) {
      const block = rest.slice(0, cut);
      rest = rest.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
      if (!data.length) continue;
      let payload;
      try {
        payload = JSON.parse(data.join("\n"));
      } catch (_) {
        throw new WidgetError("stream");
      }
      onEvent(name, payload);
    }
    return rest + keep;
  }

  // ── The widget ───────────────────────────────────────────────────────────────────

  function createWidget(shadow, inline) {
    let counter = 0;
    let busy = false;
    let open = inline;
    let regionsLoaded = false;
    let regionsLoading = false;
    const saved = storedRegion();
    let chosenRegion = saved !== null ? saved : config.region;

    const launcher = inline
      ? null
      : h(
          "button",
          { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "sa-panel" },
          icon("chat"),
          h("span", { class: "label" }, config.title)
        );
    const closeButton = inline
      ? null
      : h("button", { type: "button", class: "close", "aria-label": "Stäng chatten" }, icon("close"));
    const regionSelect = h("select", { id: "sa-region", "aria-describedby": "sa-region-hint" });
    const examples = h(
      "ul",
      { class: "examples", "aria-labelledby": "sa-try" },
      EXAMPLES.map((text) => h("li", {}, h("button", { type: "button", class: "btn example" }, text)))
    );
    const welcome = h(
      "div",
      { class: "welcome" },
      h(
        "p",
        {},
        "Ställ en fråga om vem som ansvarar för vad enligt samverkansöverenskommelserna " +
          "mellan kommuner och regioner. Svaren bygger bara på avtalstexterna och visar " +
          "vilka stycken de bygger på."
      ),
      h("p", { id: "sa-try" }, "Prova till exempel:"),
      examples,
      h("p", { class: "hint" }, "Skriv inga personuppgifter i frågan.")
    );
    const log = h(
      "div",
      { class: "log", role: "log", "aria-live": "off", "aria-label": "Samtal", tabindex: "0" },
      welcome
    );
    const status = h("p", { class: "status", role: "status", id: "sa-status" });
    const announcer = h("div", { class: "vh", "aria-live": "polite", "aria-atomic": "true" });
    const input = h("textarea", {
      id: "sa-question",
      name: "question",
      rows: "1",
      maxlength: String(MAX_QUESTION),
      autocomplete: "off",
      "aria-describedby": "sa-hint",
    });
    const send = h("button", { type: "submit", class: "btn btn-primary send" }, "Skicka");
    const form = h(
      "form",
      { class: "ask", novalidate: true },
      h("label", { for: "sa-question", class: "ask-label" }, "Din fråga"),
      h("div", { class: "ask-row" }, input, send),
      h("p", { id: "sa-hint", class: "hint" }, "Enter skickar, Skift+Enter ger ny rad.")
    );
    const panel = h(
      "section",
      { class: "panel", id: "sa-panel", "aria-labelledby": "sa-title", hidden: !inline },
      h("div", { class: "head" }, h("h2", { id: "sa-title" }, config.title), closeButton),
      h(
        "div",
        { class: "bar" },
        h("label", { for: "sa-region" }, "Region"),
        regionSelect,
        h("span", { id: "sa-region-hint", class: "vh" }, "Svaren gäller överenskommelserna för vald region.")
      ),
      log,
      status,
      form,
      announcer
    );
    const root = h(
      "div",
      { class: `root ${inline ? "inline" : "popup"}`, lang: "sv" },
      launcher,
      panel
    );
    shadow.append(root);
    fillRegions([]);

    // ── Opening and closing ──

    function setOpen(value, returnFocus) {
      if (inline) return;
      open = value;
      panel.hidden = !value;
      root.classList.toggle("open", value);
      launcher.setAttribute("aria-expanded", String(value));
      if (value) {
        loadRegions();
        input.focus();
      } else if (returnFocus) {
        launcher.focus();
      }
    }

    if (launcher) launcher.addEventListener("click", () => setOpen(!open, true));
    if (closeButton) closeButton.addEventListener("click", () => setOpen(false, true));
    shadow.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && open && !inline && !event.isComposing) {
        event.stopPropagation();
        setOpen(false, true);
      }
    });

    // ── Regions ──

    function fillRegions(regions) {
      const known = regions.find((r) => r.toLowerCase() === (chosenRegion || "").toLowerCase());
      if (known) chosenRegion = known;
      const options = [h("option", { value: "" }, "Alla regioner")];
      for (const region of regions) options.push(h("option", { value: region }, region));
      if (chosenRegion && !known) {
        const note = regionsLoaded ? " (ingen överenskommelse i underlaget)" : "";
        options.push(h("option", { value: chosenRegion }, chosenRegion + note));
      }
      regionSelect.replaceChildren(...options);
      regionSelect.value = chosenRegion || "";
    }

    async function loadRegions() {
      if (regionsLoaded || regionsLoading) return;
      regionsLoading = true;
      try {
        const { response, timer } = await request(
          endpoint("v1/documents"),
          { headers: { Accept: "application/json" } },
          FEEDBACK_TIMEOUT_MS
        );
        clearTimeout(timer);
        if (!response.ok) throw await httpError(response);
        const body = await response.json();
        const regions = [
          ...new Set((body.documents || []).map((d) => d.region).filter(Boolean)),
        ].sort((a, b) => a.localeCompare(b, "sv"));
        regionsLoaded = true;
        fillRegions(regions);
      } catch (_) {
        // Questions still work for "Alla regioner"; the list is fetched again on next open.
      } finally {
        regionsLoading = false;
      }
    }

    regionSelect.addEventListener("change", () => {
      chosenRegion = regionSelect.value;
      storeRegion(chosenRegion);
    });

    // ── Status, announcements, scrolling ──

    function setStatus(text, busyIndicator) {
      status.replaceChildren();
      if (busyIndicator) {
        status.append(
          h("span", { class: "typing", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
          " "
        );
      }
      if (text) status.append(text);
    }

    function announce(text) {
      // Cleared first so that the same words twice are still read out.
      announcer.textContent = "";
      setTimeout(() => {
        announcer.textContent = text;
      }, 50);
    }

    /** What scrolls the conversation: the log, or the whole panel on very short screens. */
    function scroller() {
      return getComputedStyle(log).overflowY === "visible" ? panel : log;
    }

    function nearBottom() {
      if (inline) return true;
      const box = scroller();
      return box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    }

    function tall(el) {
      const room = inline ? window.innerHeight * 0.6 : scroller().clientHeight * 0.8;
      return el.offsetHeight > room;
    }

    function reveal(el, edge) {
      if (inline) {
        el.scrollIntoView({ block: edge === "start" ? "start" : "nearest" });
        return;
      }
      const box = scroller();
      if (edge === "start") {
        const top = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
        box.scrollTop = Math.max(0, box.scrollTop + top - 12);
      } else {
        box.scrollTop = box.scrollHeight;
      }
    }

    // ── Asking ──

    function autosize() {
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight + 2, 144)}px`;
    }

    input.addEventListener("input", autosize);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitQuestion(input.value);
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitQuestion(input.value);
    });
    examples.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      input.focus();
      submitQuestion(button.textContent);
    });

    function submitQuestion(raw) {
      const question = (raw || "").trim();
      if (busy) return;
      if (!question) {
        setStatus("Skriv en fråga först.");
        input.focus();
        return;
      }
      log.append(
        h("div", { class: "msg msg-user" }, h("h3", { class: "vh" }, "Din fråga"), h("p", {}, question))
      );
      input.value = "";
      autosize();
      runAsk(question);
    }

    async function runAsk(question) {
      busy = true;
      send.setAttribute("aria-disabled", "true");
      setStatus("Svar genereras…", true);
      const view = pendingView();
      log.append(view.el);
      reveal(view.el, "end");
      const state = { meta: null, done: null };
      const body = { question, region: chosenRegion || null };
      try {
        await streamAnswer(body, (name, data) => {
          const follow = nearBottom();
          if (name === "meta") {
            state.meta = data;
            view.meta(data);
          } else if (name === "delta") {
            view.delta(String(data.text || ""));
          } else if (name === "citations") {
            view.citations(data.citations || []);
          } else if (name === "responsibilities") {
            view.responsibilities(data || {});
          } else if (name === "warnings") {
            view.warnings(data.warnings || []);
          } else if (name === "done") {
            state.done = data;
          } else if (name === "error") {
            throw new WidgetError("stream", data && data.error && data.error.message);
          }
          if (follow) reveal(view.el, "end");
        });
        if (!state.done) throw new WidgetError("stream");
        const finished = finishedView(state.done, question);
        view.el.replaceWith(finished);
        reveal(finished, tall(finished) ? "start" : "end");
        setStatus("");
        announce(summary(state.done));
        loadRegions(); // in case the list failed earlier (the service was still starting)
      } catch (error) {
        view.el.remove();
        setStatus("");
        showError(error, question);
      } finally {
        busy = false;
        send.removeAttribute("aria-disabled");
      }
    }

    function showError(error, question) {
      const retry = h("button", { type: "button", class: "btn btn-primary retry" }, "Försök igen");
      const box = h(
        "div",
        { class: "msg msg-error", role: "alert" },
        h("p", {}, h("strong", {}, "Det gick inte att få ett svar. "), friendlyMessage(error)),
        retry
      );
      retry.addEventListener("click", () => {
        if (busy) return;
        box.remove();
        input.focus(); // the button goes away; focus goes back to the question
        runAsk(question);
      });
      log.append(box);
      reveal(box, "end");
    }

    function summary(body) {
      const parts = [];
      const n = (body.citations || []).length;
      if (body.status === "no_support") {
        parts.push("Överenskommelserna besvarar inte frågan.", body.answer || "");
        if (n) parts.push(`${n} närmaste stycken finns under svaret.`);
      } else {
        parts.push(...partyLines(body).map((line) => `${partyText(line)}.`));
        parts.push(`Svar: ${body.answer || ""}`);
        const used = splitCitations(body).used.length;
        if (used) parts.push(`${used} ${used === 1 ? "källa visas" : "källor visas"} under svaret.`);
      }
      for (const { short } of warningItems(body.warnings || [], body.citations)) {
        parts.push(`Observera: ${short}.`);
      }
      return parts.filter(Boolean).join(" ");
    }

    // ── Rendering an answer ──

    /** The answer while it streams: hidden from screen readers until it is finished. */
    function pendingView() {
      const parties = h("ul", { class: "parties", hidden: true });
      const notes = h("div", {});
      const text = h("p", { class: "answer-text" });
      const typing = h("span", { class: "typing" }, h("span"), h("span"), h("span"));
      const extra = h("div", {});
      const el = h("div", { class: "msg msg-bot", "aria-hidden": "true" }, parties, notes, text, typing, extra);
      const seen = { meta: {}, citations: [] };
      const showParties = (body) => {
        parties.replaceChildren(...partyItems(partyLines(body)));
        parties.hidden = !parties.childNodes.length;
      };
      return {
        el,
        meta(meta) {
          seen.meta = meta || {};
          showParties(seen.meta);
          if (seen.meta.status === "no_support") el.prepend(declinedNotice());
        },
        delta(piece) {
          typing.remove();
          text.append(piece);
        },
        citations(citations) {
          seen.citations = citations;
          const body = { ...seen.meta, citations, answer: text.textContent };
          extra.replaceChildren(...sourcesBlock(body, 0));
        },
        responsibilities(data) {
          showParties({ ...seen.meta, ...data });
        },
        warnings(list) {
          notes.replaceChildren(...(list.length ? [warningsBlock(list, seen.citations, 0)] : []));
        },
      };
    }

    /** The finished answer from the `done` event: the source of truth for what is shown. */
    function finishedView(body, question) {
      const id = ++counter;
      const declined = body.status === "no_support";
      const el = h("article", { class: "msg msg-bot", "aria-labelledby": `sa-a${id}` });
      el.append(h("h3", { class: "vh", id: `sa-a${id}` }, declined ? "Inget svar" : "Svar"));
      if (declined) el.append(declinedNotice());
      // Who does it first, then what to watch out for, then the answer: a phone shows all three.
      const lines = partyLines(body);
      if (lines.length) el.append(h("ul", { class: "parties", "aria-label": "Ansvar" }, partyItems(lines)));
      if ((body.warnings || []).length) el.append(warningsBlock(body.warnings, body.citations, id));
      el.append(h("p", { class: "answer-text" }, body.answer || ""));
      const matrix = matrixLink(body, question);
      if (matrix) el.append(matrix);
      el.append(...sourcesBlock(body, id));
      el.append(...actions(body, id));
      return el;
    }

    function declinedNotice() {
      return h("p", { class: "declined" }, "Överenskommelserna besvarar inte frågan.");
    }

    function partyItems(lines) {
      return lines.map((line) =>
        h(
          "li",
          { class: `party party-${line.party}` },
          line.area ? "Gäller: " : line.text,
          line.regions.length && !line.area ? h("span", { class: "sep" }, " · ") : null,
          joinedNames(line.regions)
        )
      );
    }

    /** One short line per warning; the whole note opens under its line. */
    function warningsBlock(list, citations, id) {
      return h(
        "ul",
        { class: "warnings", "aria-label": "Observera" },
        warningItems(list, citations).map(({ short, detail }, i) => {
          if (!detail) return h("li", {}, h("p", { class: "warn-line" }, icon("alert"), h("span", { class: "warn-short" }, short)));
          const detailId = `sa-w${id}-${i}`;
          const text = h("p", { class: "warn-detail", id: detailId, hidden: true }, detail);
          const toggle = h(
            "button",
            { type: "button", class: "warn-toggle", "aria-expanded": "false", "aria-controls": detailId },
            icon("alert"),
            h("span", { class: "warn-short" }, short),
            icon("chevron")
          );
          toggle.lastChild.classList.add("chev");
          toggle.addEventListener("click", () => {
            const opened = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", String(opened));
            text.hidden = !opened;
          });
          return h("li", {}, toggle, text);
        })
      );
    }

    /** The source numbers the answer text refers to with [n]. */
    function usedNumbers(text) {
      return new Set([...String(text || "").matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
    }

    /** The citations the answer's text uses (or, if it marks none, the best one), and the rest. */
    function splitCitations(body) {
      const citations = (body.citations || []).map((c, i) => ({ ...c, n: Number(c.n) || i + 1 }));
      if (body.status === "no_support") return { used: [], rest: citations };
      const marked = usedNumbers(body.answer);
      let used = citations.filter((c) => marked.has(c.n));
      if (!used.length) used = citations.slice(0, 1);
      return { used, rest: citations.filter((c) => !used.includes(c)) };
    }

    /** A disclosure button that shows and hides `target`. */
    function disclosure(label, target) {
      const button = h(
        "button",
        { type: "button", class: "more", "aria-expanded": "false", "aria-controls": target.id },
        label,
        icon("chevron")
      );
      button.lastChild.classList.add("chev");
      target.hidden = true;
      button.addEventListener("click", () => {
        const opened = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", String(opened));
        target.hidden = !opened;
      });
      return button;
    }

    function sourcesBlock(body, id) {
      const declined = body.status === "no_support";
      const { used, rest } = splitCitations(body);
      if (!used.length && !rest.length) return [];
      const marked = usedNumbers(body.answer);
      const card = (c) => sourceCard(c, declined, marked);
      const blocks = [];
      if (declined) {
        blocks.push(h("h4", { class: "sources-title" }, "Närmaste stycken – de besvarar inte frågan"));
      } else {
        blocks.push(h("h4", { class: "sources-title" }, used.length === 1 ? "Källa" : "Källor"));
        blocks.push(h("ol", { class: "sources" }, used.map(card)));
      }
      if (rest.length) {
        const more = h("ol", { class: "sources sources-more", id: `sa-more${id}` }, rest.map(card));
        const label = declined ? `Visa styckena (${rest.length})` : `Fler avsnitt (${rest.length})`;
        blocks.push(disclosure(label, more), more);
      }
      return blocks;
    }

    function sourceCard(c, declined, used) {
      const n = c.n;
      const title = c.short_title || c.title || c.document_id || "Okänt dokument";
      const region = c.region || NATIONAL;
      const section = c.section || "Avsnitt utan rubrik";
      const page = pageLabel(c.page);
      const href = passageUrl(c.url);
      const noun = declined ? "Stycke" : "Källa";
      const where = [section, page].filter(Boolean).join(", ");
      const card = h(
        "li",
        { class: "source" },
        h(
          "p",
          { class: "src-title" },
          h("span", { class: "src-n", "aria-hidden": "true" }, String(n)),
          h("span", {}, h("span", { class: "vh" }, `${noun} ${n}: `), title)
        ),
        h(
          "p",
          { class: "src-meta" },
          h("span", {}, h("span", { class: "vh" }, "Region: "), region),
          h("span", {}, h("span", { class: "vh" }, "Avsnitt: "), section),
          page ? h("span", {}, h("span", { class: "vh" }, "Sida: "), page) : null
        )
      );
      if (!declined && used && used.has(n)) {
        card.append(h("p", {}, h("span", { class: "pill pill-used" }, "Används i svaret")));
      }
      if (c.quote) {
        card.append(
          h("blockquote", { class: "src-quote" }, h("span", { class: "vh" }, "Citat: "), c.quote)
        );
      }
      if (c.text && c.text !== c.quote) {
        card.append(
          h(
            "details",
            {},
            h("summary", {}, "Visa hela stycket", h("span", { class: "vh" }, ` (${noun.toLowerCase()} ${n})`)),
            h("p", { class: "passage" }, c.text)
          )
        );
      }
      if (href) {
        card.append(
          h(
            "p",
            {},
            h(
              "a",
              { href, target: "_blank", rel: "noopener", class: "src-link" },
              "Läs stycket i sitt sammanhang",
              h("span", { class: "vh" }, ` – ${noun.toLowerCase()} ${n}: ${title}, ${where} (öppnas i ny flik)`)
            )
          )
        );
      }
      return card;
    }

    /**
     * For an answer about who is responsible: a link to the ansvarsmatris, filtered by the
     * question and the answer's region; once /v1/ansvar says which matter's row holds the
     * sentence the answer quotes, the link goes to that row (`#insats-<id>`) and names it.
     */
    function plain(text) {
      return String(text || "").toLowerCase().replace(/\s+/g, " ").replace(/[.\s]+$/, "").trim();
    }

    /** Lower case without accents, so "hjalpmedel" in a question meets "Hjälpmedel". */
    function folded(text) {
      return plain(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }

    function matrixLink(body, question) {
      const resp = (body.responsibilities || []).filter((r) => r && r.polarity !== "not");
      if (body.status !== "answered" || (!resp.length && !body.responsible)) return null;
      const regions = body.regions || [];
      const region = regions.length === 1 ? regions[0] : regions.length ? "" : body.region || "";
      const params = new URLSearchParams({ q: question });
      if (region) params.set("region", region);
      const base = endpoint(`ansvar?${params}`);
      const name = h("span", {}, "Se raden i ansvarsmatrisen");
      const link = h(
        "a",
        { href: base, target: "_blank", rel: "noopener", class: "matrix-link-a" },
        name,
        h("span", { class: "vh" }, " (öppnas i ny flik)")
      );
      const cited = new Set(resp.map((r) => Number(r.n)));
      const quotes = (body.citations || [])
        .filter((c) => cited.has(Number(c.n)))
        .map((c) => [c.document_id, plain(c.quote)])
        .filter(([, quote]) => quote.length >= 20);
      (async () => {
        try {
          const { response, timer } = await request(
            endpoint(`v1/ansvar?${params}`),
            { headers: { Accept: "application/json" } },
            FEEDBACK_TIMEOUT_MS
          );
          clearTimeout(timer);
          if (!response.ok) return;
          const matrix = await response.json();
          // The answer may quote two sentences where the matrix has each alone: either
          // holding the other (same agreement) is the same statement.
          const same = (c) => {
            const theirs = plain(c.quote);
            return theirs.length >= 20 && quotes.some(([doc, quote]) =>
              c.document_id === doc && (quote.includes(theirs) || theirs.includes(quote)));
          };
          const holds = (m) => (m.cells || []).some((cell) => (cell.citations || []).some(same));
          // Of the rows that hold it, the one whose name the question uses (a quote on
          // "hjälpmedel till barn" sits in both Hjälpmedel and Barn och unga).
          const rows = (matrix.matters || []).filter(holds);
          const asked = folded(question);
          const named = (m) => folded(m.name).split(/[^a-z0-9]+/).some((w) => w.length >= 4 && asked.includes(w));
          const row = rows.find(named) || rows[0];
          if (!row || !/^[\w-]+$/.test(row.id)) return;
          link.href = `${base}#insats-${row.id}`;
          name.textContent = `Se ${row.name} i ansvarsmatrisen`;
        } catch (_) {
          /* the filtered matrix is still a good place to land */
        }
      })();
      return h("p", { class: "matrix-link" }, link);
    }

    function actions(body, id) {
      const copy = h("button", { type: "button", class: "btn copy" }, icon("copy"), "Kopiera svaret");
      const up = h(
        "button",
        { type: "button", class: "btn thumb", "aria-pressed": "false", "data-rating": "up" },
        icon("up"),
        "Bra svar"
      );
      const down = h(
        "button",
        { type: "button", class: "btn thumb", "aria-pressed": "false", "data-rating": "down" },
        icon("down"),
        "Dåligt svar"
      );
      const rating = h(
        "div",
        { class: "rating", role: "group", "aria-labelledby": `sa-r${id}` },
        h("span", { class: "rating-label", id: `sa-r${id}` }, "Hjälpte svaret?"),
        up,
        down
      );
      const comment = h("textarea", {
        id: `sa-c${id}`,
        rows: "2",
        maxlength: String(MAX_COMMENT),
        "aria-describedby": `sa-ch${id}`,
      });
      const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Skicka omdöme");
      const cancel = h("button", { type: "button", class: "btn" }, "Avbryt");
      const errorBox = h("div", {});
      const fbForm = h(
        "form",
        { class: "fb-form", hidden: true, novalidate: true },
        h("label", { for: `sa-c${id}` }, "Kommentar (valfritt)"),
        comment,
        h("p", { class: "hint", id: `sa-ch${id}` }, "Skriv inga personuppgifter."),
        h("div", { class: "fb-buttons" }, submit, cancel),
        errorBox
      );
      const thanks = h("p", { class: "fb-thanks", tabindex: "-1", hidden: true });
      let selected = null;
      let sending = false;

      copy.addEventListener("click", () => copyAnswer(body));
      for (const button of [up, down]) {
        button.addEventListener("click", () => {
          selected = button.dataset.rating;
          up.setAttribute("aria-pressed", String(selected === "up"));
          down.setAttribute("aria-pressed", String(selected === "down"));
          fbForm.hidden = false;
          comment.focus();
        });
      }
      cancel.addEventListener("click", () => {
        const pressed = selected === "down" ? down : up;
        selected = null;
        up.setAttribute("aria-pressed", "false");
        down.setAttribute("aria-pressed", "false");
        fbForm.hidden = true;
        errorBox.replaceChildren();
        pressed.focus();
      });
      fbForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!selected || sending) return;
        sending = true;
        submit.setAttribute("aria-disabled", "true");
        errorBox.replaceChildren();
        try {
          const text = comment.value.trim();
          const { response, timer } = await request(
            endpoint(`v1/answers/${encodeURIComponent(body.answer_id)}/feedback`),
            {
              method: "POST",
              headers: { "Content-Type": "application/json", Accept: "application/json", ...CHANNEL },
              body: JSON.stringify({ rating: selected, comment: text || null }),
            },
            FEEDBACK_TIMEOUT_MS
          );
          clearTimeout(timer);
          if (!response.ok) throw await httpError(response);
          fbForm.remove();
          rating.remove();
          thanks.textContent =
            selected === "up"
              ? "Tack! Ditt omdöme (bra svar) är sparat."
              : "Tack! Ditt omdöme (dåligt svar) är sparat.";
          thanks.hidden = false;
          thanks.focus();
        } catch (error) {
          errorBox.replaceChildren(
            h(
              "p",
              { class: "fb-error", role: "alert" },
              "Omdömet kunde inte sparas. ",
              feedbackMessage(error),
              " Tryck på Skicka omdöme för att försöka igen."
            )
          );
        } finally {
          sending = false;
          submit.removeAttribute("aria-disabled");
        }
      });
      return [h("div", { class: "actions" }, copy, rating), fbForm, thanks];
    }

    function feedbackMessage(error) {
      if (error && error.kind === "http" && error.status === 404) {
        return "Svaret finns inte längre sparat hos tjänsten.";
      }
      if (error && error.kind === "http" && error.status === 422 && error.detail) {
        return error.detail;
      }
      return friendlyMessage(error);
    }

    function plainText(body) {
      const lines = partyLines(body).map(partyText);
      for (const warning of body.warnings || []) {
        lines.push(`Observera: ${warningParts(warning, body.citations).detail || warning}`);
      }
      lines.push(body.answer || "");
      const citations = (body.citations || []).map((c, i) => ({ ...c, n: c.n || i + 1 }));
      if (citations.length) {
        lines.push("", body.status === "no_support" ? "Närmaste stycken:" : "Källor:");
        const { used, rest } = splitCitations(body);
        for (const c of [...used, ...rest]) {
          const where = [c.region || NATIONAL, c.section, pageLabel(c.page)];
          lines.push(`[${c.n}] ${c.short_title || c.title} – ${where.filter(Boolean).join(", ")}`);
          const href = passageUrl(c.url);
          if (href) lines.push(`    ${href}`);
        }
      }
      return lines.join("\n");
    }

    async function copyAnswer(body) {
      const text = plainText(body);
      let copied = false;
      try {
        await navigator.clipboard.writeText(text);
        copied = true;
      } catch (_) {
        // Older browsers and pages without clipboard permission: the selection way.
        const area = h("textarea", { class: "vh", "aria-hidden": "true", tabindex: "-1" });
        area.value = text;
        root.append(area);
        area.select();
        try {
          copied = document.execCommand("copy");
        } catch (__) {
          copied = false;
        }
        area.remove();
      }
      setStatus(
        copied
          ? "Svaret är kopierat."
          : "Svaret kunde inte kopieras. Markera texten och kopiera den själv."
      );
    }

    return {
      open: () => setOpen(true, false),
      close: () => setOpen(false, true),
      loadRegions,
    };
  }

  function mount() {
    const container = config.container ? document.querySelector(config.container) : null;
    const inline = Boolean(container);
    const host = document.createElement(HOST_TAG);
    host.setAttribute("lang", "sv");
    const shadow = host.attachShadow({ mode: "open" });
    // A constructed style sheet is not an inline <style>, so a strict CSP on the host page
    // (style-src without 'unsafe-inline') does not block it.
    if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        shadow.adoptedStyleSheets = [sheet];
      } catch (_) {
        shadow.append(h("style", {}, CSS));
      }
    } else {
      shadow.append(h("style", {}, CSS));
    }
    (container || document.body).append(host);
    const widget = createWidget(shadow, inline);
    if (inline) widget.loadRegions();
    window.svarsassistenten = { open: widget.open, close: widget.close };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount, { once: true });
  } else {
    mount();
  }
})();
