/// The usage dashboard served at `/dashboard`: one self-contained page (no external scripts, fonts or
/// styles, so it works offline) that reads `/admin/usage` and `/admin/calls` from its own origin with the
/// browser's credentials (the admin key as the Basic-auth password, or none when the guard is open) and
/// draws spend per day as an inline SVG chart, tokens and cost by key and by model, the top routes by
/// latency and the recent errors. Data is put in the page as text nodes only (key names are free text).
///
/// `?days=N` (1–366) sets the window, default 30 days up to today (UTC). When everything is drawn the
/// body gets `data-state="ready"` (or `"error"` with the message in `#status`).
enum DashboardPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="data:,">
        <title>openai-gateway · usage</title>
        <style>
        :root { --fg: #1d2330; --muted: #5d6677; --line: #dde1e8; --bg: #f6f7f9; --card: #fff; --accent: #2f6fde; --bad: #c0392b; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline; padding: 1rem 1.25rem; background: var(--card); border-bottom: 1px solid var(--line); }
        header h1 { font-size: 1.15rem; margin: 0; }
        header .window { color: var(--muted); }
        header nav { margin-left: auto; display: flex; gap: .35rem; }
        header nav a { padding: .2rem .55rem; border: 1px solid var(--line); border-radius: 4px; color: var(--fg); text-decoration: none; }
        header nav a.on { background: var(--accent); border-color: var(--accent); color: #fff; }
        main { padding: 1rem 1.25rem 2rem; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1rem; min-width: 0; }
        section.wide { grid-column: 1 / -1; }
        h2 { font-size: 1rem; margin: 0 0 .6rem; }
        #status { grid-column: 1 / -1; color: var(--muted); margin: 0; }
        #status.error { color: var(--bad); font-weight: 600; }
        .cards { display: flex; flex-wrap: wrap; gap: .75rem; }
        .card { flex: 1 1 8rem; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
        .card b { display: block; font-size: 1.3rem; }
        .card span { color: var(--muted); font-size: .85rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { color: var(--muted); font-weight: 600; white-space: normal; vertical-align: bottom; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.empty { color: var(--muted); text-align: center; }
        td.bad { color: var(--bad); font-weight: 600; }
        svg { display: block; width: 100%; height: auto; }
        svg .bar { fill: var(--accent); }
        svg .axis { stroke: var(--line); }
        svg text { fill: var(--muted); font-size: 11px; }
        </style>
        </head>
        <body data-state="loading">
        <header>
          <h1>openai-gateway usage</h1>
          <span class="window" id="window"></span>
          <nav id="ranges"></nav>
        </header>
        <main>
          <p id="status">Loading…</p>
          <section class="wide"><h2>Totals</h2><div class="cards" id="totals"></div></section>
          <section class="wide"><h2>Spend per day (USD)</h2><div id="spend"></div></section>
          <section><h2>By key</h2><div class="scroll" id="by-key"></div></section>
          <section><h2>By model</h2><div class="scroll" id="by-model"></div></section>
          <section><h2>Top routes by latency</h2><div class="scroll" id="by-route"></div></section>
          <section><h2>Recent errors</h2><div class="scroll" id="errors"></div></section>
        </main>
        <script>
        "use strict";
        const params = new URLSearchParams(location.search);
        const requested = Number.parseInt(params.get("days") || "30", 10);
        const DAYS = Number.isFinite(requested) && requested >= 1 && requested <= 366 ? requested : 30;
        const DAY_MS = 86400000;
        const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
        const fromDay = today - (DAYS - 1) * DAY_MS;
        const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
        const window_ = "from=" + iso(fromDay) + "&to=" + iso(today);

        function el(tag, attributes, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
          for (const child of children) node.append(child instanceof Node ? child : String(child));
          return node;
        }
        const usd = (value) => "$" + (value >= 100 ? value.toFixed(2) : value >= 1 ? value.toFixed(3) : value.toFixed(5));
        const count = (value) => value.toLocaleString("en-US");
        const ms = (value) => value == null ? "–" : value >= 1000 ? (value / 1000).toFixed(2) + " s" : value.toFixed(1) + " ms";

        async function read(path) {
          const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
          if (!response.ok) {
            let message = response.status + " " + response.statusText;
            try { const body = await response.json(); message = body.message + (body.hint ? " " + body.hint : ""); } catch (_) {}
            throw new Error(path + ": " + message);
          }
          return response.json();
        }

        function table(columns, rows, empty) {
          const head = el("tr", {}, ...columns.map((c) => el("th", c.num ? { class: "num" } : {}, c.title)));
          const body = rows.length === 0
            ? [el("tr", {}, el("td", { class: "empty", colspan: String(columns.length) }, empty))]
            : rows.map((row) => el("tr", {}, ...columns.map((c) => {
                const cls = [c.num ? "num" : "", c.bad && c.bad(row) ? "bad" : ""].filter(Boolean).join(" ");
                return el("td", cls ? { class: cls } : {}, c.value(row));
              })));
          return el("table", {}, el("thead", {}, head), el("tbody", {}, ...body));
        }

        // Drawn at the width of its box, so that its text stays readable on a phone.
        function chart(days, boxWidth) {
          const byDay = new Map(days.groups.map((g) => [g.group, g]));
          const points = [];
          for (let day = fromDay; day <= today; day += DAY_MS) {
            const group = byDay.get(iso(day));
            points.push({ day: iso(day), cost: group ? group.cost_usd : 0, requests: group ? group.requests : 0 });
          }
          const width = Math.max(300, Math.round(boxWidth || 720)), height = width < 500 ? 180 : 220, left = 64, bottom = 24, top = 10;
          const max = Math.max(...points.map((p) => p.cost), 0);
          const scale = max > 0 ? (height - bottom - top) / max : 0;
          const step = (width - left) / points.length;
          const NS = "http://www.w3.org/2000/svg";
          const svg = document.createElementNS(NS, "svg");
          svg.setAttribute("viewBox", "0 0 " + width + " " + height);
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", "Spend per day");
          const add = (tag, attributes, text) => {
            const node = document.createElementNS(NS, tag);
            for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
            if (text != null) node.textContent = text;
            svg.append(node);
            return node;
          };
          add("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom });
          add("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom });
          add("text", { x: left - 6, y: top + 10, "text-anchor": "end" }, "$" + (max >= 1 ? max.toFixed(2) : max.toPrecision(2)));
          add("text", { x: left - 6, y: height - bottom, "text-anchor": "end" }, "$0");
          const labelEvery = Math.max(1, Math.ceil(points.length / Math.max(1, Math.floor((width - left) / 48))));
          points.forEach((p, i) => {
            const h = p.cost > 0 ? Math.max(p.cost * scale, 1) : 0;  // a day with any spend stays visible
            const bar = add("rect", {
              class: "bar", "data-day": p.day, x: (left + i * step + step * 0.15).toFixed(2), y: (height - bottom - h).toFixed(2),
              width: Math.max(step * 0.7, 1).toFixed(2), height: h.toFixed(2),
            });
            const title = document.createElementNS(NS, "title");
            title.textContent = p.day + ": " + usd(p.cost) + ", " + count(p.requests) + " requests";
            bar.append(title);
            if (i % labelEvery === 0) add("text", { x: (left + i * step + step / 2).toFixed(2), y: height - 6, "text-anchor": "middle" }, p.day.slice(5));
          });
          return svg;
        }

        const usageColumns = (first) => [
          first,
          { title: "Cost", num: true, value: (r) => usd(r.cost_usd) },
          { title: "Requests", num: true, value: (r) => count(r.requests) },
          { title: "Input tokens", num: true, value: (r) => count(r.input_tokens) },
          { title: "Output tokens", num: true, value: (r) => count(r.output_tokens) },
        ];

        async function load() {
          const [days, keys, models, routes, errors] = await Promise.all([
            read("/admin/usage?group_by=day&" + window_),
            read("/admin/usage?group_by=key&" + window_),
            read("/admin/usage?group_by=model&" + window_),
            read("/admin/usage?group_by=route&" + window_),
            read("/admin/calls?errors=true&limit=20"),
          ]);
          document.getElementById("window").textContent = iso(fromDay) + " – " + iso(today) + " (UTC)";
          const t = days.totals;
          document.getElementById("totals").replaceChildren(...[
            ["Requests", count(t.requests)], ["Errors", count(t.errors)], ["Tokens", count(t.total_tokens)],
            ["Cost", usd(t.cost_usd)], ["p95 latency", ms(t.p95_latency_ms)],
          ].map(([name, value]) => el("div", { class: "card" }, el("b", {}, value), el("span", {}, name))));
          const spend = document.getElementById("spend");
          spend.replaceChildren(chart(days, spend.clientWidth));
          document.getElementById("by-key").replaceChildren(table(usageColumns(
            { title: "Key", value: (r) => r.group === "none" ? "(no key)" : (r.key_name ? r.key_name + " · " : "") + r.group }),
            keys.groups, "No calls in this window."));
          document.getElementById("by-model").replaceChildren(table(usageColumns({ title: "Model", value: (r) => r.group }),
            models.groups, "No calls in this window."));
          const slowest = routes.groups.slice().sort((a, b) => (b.p95_latency_ms || 0) - (a.p95_latency_ms || 0)).slice(0, 10);
          document.getElementById("by-route").replaceChildren(table([
            { title: "Route", value: (r) => r.group },
            { title: "p95", num: true, value: (r) => ms(r.p95_latency_ms) },
            { title: "Average", num: true, value: (r) => ms(r.avg_latency_ms) },
            { title: "Requests", num: true, value: (r) => count(r.requests) },
            { title: "Errors", num: true, value: (r) => count(r.errors), bad: (r) => r.errors > 0 },
          ], slowest, "No calls in this window."));
          document.getElementById("errors").replaceChildren(table([
            { title: "Time (UTC)", value: (r) => r.ts.replace("T", " ").slice(0, 19) },
            { title: "Status", num: true, value: (r) => r.status == null ? "–" : r.status, bad: () => true },
            { title: "Route", value: (r) => r.method + " " + (r.route || r.path || "") },
            { title: "Error", value: (r) => r.error_code || r.outcome },
            { title: "Key", value: (r) => r.key_name || r.key_id || "(no key)" },
            { title: "Request id", value: (r) => r.request_id },
          ], errors.data, "No errors."));
        }

        const nav = document.getElementById("ranges");
        for (const n of [7, 30, 90]) nav.append(el("a", { href: "?days=" + n, class: n === DAYS ? "on" : "" }, n + " days"));
        const status = document.getElementById("status");
        load().then(() => {
          status.textContent = "Updated " + new Date().toISOString().replace("T", " ").slice(0, 19) + " UTC.";
          document.body.dataset.state = "ready";
        }, (error) => {
          status.textContent = String(error.message || error);
          status.className = "error";
          document.body.dataset.state = "error";
        });
        </script>
        </body>
        </html>
        """
}
