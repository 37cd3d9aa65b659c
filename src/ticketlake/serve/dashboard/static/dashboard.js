// The ticketlake dashboard: fills a page from the JSON API with the login cookie.
// Every number shown is read from an API response; nothing is computed here but its format.
// Text from the data is set with textContent, never as markup.
"use strict";

(function () {
  const FILTERS = ["source", "from", "to", "priority", "group", "category"];
  const PAGES = ["/", "/backlog", "/sla", "/flow", "/themes", "/tickets"];
  const FORMATS = {
    tickets: (v) => v.toLocaleString("en", {maximumFractionDigits: 0}),
    hours: (v) => v.toLocaleString("en", {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " h",
    "%": (v) => v.toLocaleString("en", {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " %",
    score: (v) => (v > 0 ? "+" : "") + v.toFixed(2),
    list: (v) => v.join(", "),
  };
  const body = document.body;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function status(text) {
    const box = document.getElementById("status");
    if (box) box.textContent = text || "";
  }

  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v) query.set(k, v);
    const url = path + (query.toString() ? "?" + query : "");
    const answer = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (answer.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname));
      throw new Error("signed out");
    }
    const data = await answer.json();
    if (!answer.ok) throw new Error(data.error || answer.statusText);
    return data;
  }

  // ---- filters: the URL's query holds them, so a filtered page can be shared
  function chosen() {
    const params = new URLSearchParams(location.search);
    const out = {};
    for (const name of FILTERS) out[name] = params.get(name) || "";
    return out;
  }

  function fill(select, values, current) {
    const keep = select.querySelector("option[value='']");
    select.replaceChildren(...(keep ? [keep] : []));
    for (const v of values) {
      const option = el("option", {value: v}, v);
      if (v === current) option.selected = true;
      select.append(option);
    }
  }

  async function setUpFilters() {
    const form = document.getElementById("filters");
    const now = chosen();
    const choices = await api("/api/filters", {source: now.source});
    fill(form.elements.source, choices.sources, choices.source);
    for (const name of ["priority", "group", "category"]) fill(form.elements[name], choices.values[name], now[name]);
    form.elements.from.value = now.from || choices.period.start;
    form.elements.to.value = now.to || choices.period.end;
    form.addEventListener("change", (event) => {
      const params = new URLSearchParams();
      for (const name of FILTERS) {
        // another source has other values: its filters start again
        if (event.target.name === "source" && ["priority", "group", "category"].includes(name)) continue;
        if (form.elements[name].value) params.set(name, form.elements[name].value);
      }
      history.replaceState(null, "", location.pathname + "?" + params);
      if (event.target.name === "source") setUpFilters().then(load, failed);
      else load().catch(failed);
    });
    return choices;
  }

  function current() {
    const form = document.getElementById("filters");
    const out = {};
    for (const name of FILTERS) out[name] = form.elements[name].value;
    return out;
  }

  // ---- the parts of a page
  function number(unit, value) {
    if (value === null || value === undefined) return "–";
    return (FORMATS[unit] || String)(value);
  }

  async function drawSummary(box, params) {
    const data = await api("/api/summary", params);
    const cards = data.figures.map((f) => {
      const card = el("div", {class: "figure " + (f.verdict || "none"), "data-label": f.label});
      card.append(el("span", {class: "label"}, f.label));
      card.append(el("strong", {class: "value", "data-value": f.value === null ? "" : String(f.value)}, number(f.unit, f.value)));
      const change = f.change === null ? "no previous value" : "previous " + number(f.unit, f.previous);
      card.append(el("span", {class: "previous"}, change));
      if (f.ignored.length) card.append(el("span", {class: "note"}, "not filtered by " + f.ignored.join(", ")));
      return card;
    });
    box.replaceChildren(el("p", {class: "period"}, data.period.label + " against " + data.previous.label), ...cards);
    return data.build;
  }

  async function drawChart(box, params) {
    const data = await api("/api/charts/" + encodeURIComponent(box.dataset.chart), params);
    box.replaceChildren();
    box.dataset.rows = String(data.rows.length);
    box.dataset.ignored = data.ignored.join(",");
    if (!data.spec) {
      box.classList.add("empty");
      box.append(el("h2", {}, data.title), el("p", {class: "note"}, "Nothing to draw: " + data.empty + "."));
    } else {
      box.classList.remove("empty");
      const view = el("div", {class: "view"});
      box.append(view);
      const spec = data.spec;  // sized to its box by the report's own rule (charts.spec)
      await window.vegaEmbed(view, spec, {actions: false, renderer: "svg"});
    }
    if (data.ignored.length) {
      box.append(el("p", {class: "note"}, "Not filtered by " + data.ignored.join(", ") + ": its data (" + (data.title) + ") does not have it."));
    }
    return data.build;
  }

  // A table of ``rows``; with ``onPick``, the cells of column ``picked`` are buttons calling it.
  function table(rows, columns, onPick, picked) {
    if (!rows.length) return el("p", {class: "note"}, "No rows.");
    const wrap = el("div", {class: "table"});
    const t = el("table");
    const head = el("tr");
    for (const c of columns) head.append(el("th", {scope: "col"}, c));
    t.append(el("thead"));
    t.tHead.append(head);
    const tbody = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      for (const c of columns) {
        const td = el("td", {}, row[c] === null || row[c] === undefined ? "" : row[c]);
        if (onPick && c === (picked || "ticket_id")) {
          td.replaceChildren(el("button", {type: "button", class: "link"}, row[c]));
          td.firstChild.addEventListener("click", () => onPick(row));
        }
        tr.append(td);
      }
      tbody.append(tr);
    }
    t.append(tbody);
    wrap.append(t);
    return wrap;
  }

  // A table of the report's catalogue (GET /api/dashboard/tables/NAME): its columns, in order,
  // with each value written by its unit, as the report writes it.
  async function drawTable(box, params) {
    const data = await api("/api/dashboard/tables/" + encodeURIComponent(box.dataset.table), params);
    const span = data.span ? data.span : data.period.label;
    const parts = [el("h2", {}, data.title), el("p", {class: "note"}, "Reads " + data.reads + " · " + span + ".")];
    if (data.empty) parts.push(el("p", {class: "note"}, "Nothing to show: " + data.empty + "."));
    else {
      const titles = data.columns.map((c) => c.title);
      const shown = data.rows.map((row) => Object.fromEntries(data.columns.map((c) => [c.title, number(c.unit, row[c.name])])));
      parts.push(table(shown, titles));
    }
    if (data.ignored.length) parts.push(el("p", {class: "note"}, "Not filtered by " + data.ignored.join(", ") + "."));
    box.replaceChildren(...parts);
    box.dataset.rows = String(data.rows.length);
    return data.build;
  }

  async function drawQueue(box, params) {
    // The API's at-risk queue (GET /api/sla/at-risk): as of each source's latest event, so the
    // period does not apply; it keeps priority and group, not category.
    const asked = {source: params.source, priority: params.priority, group: params.group, limit: "50"};
    const data = await api("/api/sla/at-risk", asked);
    const parts = [el("p", {class: "note"}, data.total + " running clocks at risk" + (data.total > data.rows.length ? ", the first " + data.rows.length + " shown" : ""))];
    const ignored = ["period"].concat(params.category ? ["category"] : []);
    parts.push(el("p", {class: "note"}, "Not filtered by " + ignored.join(", ") + "."));
    const open = (row) => location.assign("/tickets?" + new URLSearchParams({source: row.source, ticket: row.ticket_id}));
    parts.push(table(data.rows, ["ticket_id", "policy", "metric", "priority", "group_name", "stage", "risk", "seconds_left", "due_at"], open, "ticket_id"));
    box.replaceChildren(...parts);
    box.dataset.total = String(data.total);
    return data.build;
  }

  async function showTicket(row) {
    const box = document.getElementById("ticket");
    const data = await api("/api/tickets/" + encodeURIComponent(row.source) + "/" + encodeURIComponent(row.ticket_id));
    const t = data.ticket;
    const facts = el("dl");
    for (const k of ["ticket_id", "external_id", "title", "status", "priority", "group_name", "assignee", "category", "created_at", "resolved_at"]) {
      facts.append(el("dt", {}, k), el("dd", {}, t[k] === null || t[k] === undefined ? "" : t[k]));
    }
    box.replaceChildren(
      el("h2", {}, "Ticket " + t.ticket_id), facts,
      el("h3", {}, "Events (" + data.events.length + ")"),
      table(data.events, ["event_number", "event_time", "event_type", "status", "group_name", "assignee"]),
      el("h3", {}, "SLA clocks (" + data.sla.length + ")"),
      table(data.sla, ["policy", "metric", "stage", "target_seconds", "elapsed_business_seconds", "percent_elapsed", "due_at"]),
      el("h3", {}, "Links (" + data.links.length + ")"),
      table(data.links, ["from_id", "from_type", "link_type", "to_id", "to_type"]),
    );
    box.dataset.ticket = t.ticket_id;
    box.hidden = false;
    box.scrollIntoView({block: "start"});
  }

  async function drawSearch(params) {
    const form = document.getElementById("search");
    const data = await api("/api/tickets", Object.assign({q: form.elements.q.value, limit: "50"}, params));
    const results = document.getElementById("results");
    results.replaceChildren(
      el("p", {class: "note", id: "found", "data-total": String(data.total)}, data.total + " tickets" + (data.total > data.rows.length ? ", the newest " + data.rows.length + " shown" : "")),
      table(data.rows, ["ticket_id", "title", "status", "priority", "group_name", "category", "created_at"], (row) => showTicket(row).catch(failed)),
    );
    return data.build;
  }

  async function load() {
    body.dataset.state = "loading";
    status("Loading…");
    const params = current();
    const jobs = [...document.querySelectorAll("figure.chart")].map((box) => drawChart(box, params));
    for (const box of document.querySelectorAll("section[data-table]")) jobs.push(drawTable(box, params));
    const summary = document.getElementById("summary");
    if (summary) jobs.push(drawSummary(summary, params));
    const queue = document.getElementById("queue");
    if (queue) jobs.push(drawQueue(queue, params));
    if (document.getElementById("search")) {
      jobs.push(drawSearch(params));
      const asked = new URLSearchParams(location.search).get("ticket");  // from the at-risk queue
      if (asked) jobs.push(showTicket({source: params.source, ticket_id: asked}));
    }
    const builds = await Promise.all(jobs);
    document.getElementById("build").textContent = builds.length ? "Build " + builds[0] + "." : "";
    status("");
    body.dataset.loads = String(Number(body.dataset.loads || 0) + 1);
    body.dataset.state = "ready";
  }

  function failed(error) {
    if (error.message === "signed out") return;
    status("Could not load: " + error.message);
    body.dataset.state = "failed";
  }

  function signIn() {
    const form = document.getElementById("login");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await fetch("/api/login", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({key: form.elements.key.value}),
      });
      if (!answer.ok) {
        const data = await answer.json().catch(() => ({}));
        status(data.error || "Sign-in failed.");
        return;
      }
      const next = new URLSearchParams(location.search).get("next");
      location.assign(PAGES.includes(next) ? next : "/");  // only a page of the dashboard
    });
  }

  function start() {
    if (body.dataset.page === "login") return signIn();
    document.getElementById("logout").addEventListener("click", async () => {
      await fetch("/api/logout", {method: "POST", credentials: "same-origin"});
      location.assign("/login");
    });
    const search = document.getElementById("search");
    if (search) {
      search.addEventListener("submit", (event) => {
        event.preventDefault();
        body.dataset.state = "loading";
        drawSearch(current()).then(() => { body.dataset.state = "ready"; }, failed);
      });
    }
    setUpFilters().then(load).catch(failed);
  }

  start();
})();
