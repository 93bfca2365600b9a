import Foundation

/// The interactive documentation page served at `/api-docs`.
///
/// Self-contained (inline CSS and vanilla JavaScript, no CDN): the gateway often runs where there
/// is no internet. The page fetches the OpenAPI document and renders each operation with a "Try it"
/// form built from it: inputs for path, query and header parameters, a JSON editor filled from the
/// schema's examples and defaults, form fields and file pickers for multipart bodies. Answers are
/// shown by their type: JSON pretty-printed, server-sent events one by one as they arrive, audio in
/// an `<audio>` element, images and video inline, and any binary answer offered for download.
public enum APIDocsPage {
    /// The page, loading the document from `specURL` (e.g. `/openapi.json`).
    /// - Parameter askForKey: the page offers a field for an access key (sent as `Authorization: Bearer`, kept in
    ///   the page's memory only): on when `GATEWAY_AUTH=keys` or the admin routes are on.
    public static func html(specURL: String, askForKey: Bool = false) -> String {
        template.replacingOccurrences(of: "__SPEC_URL__", with: javaScriptString(specURL))
            .replacingOccurrences(of: "__ASK_FOR_KEY__", with: askForKey ? "true" : "false")
    }

    /// `specURL` as a JavaScript string literal that is also safe inside an HTML `<script>`.
    static func javaScriptString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static let template = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>OpenAI Gateway API</title>
        <link rel="icon" href="data:,">
        <style>
          body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #1d2430; }
          header { background: #1d2430; color: #fff; padding: 18px 28px; }
          header h1 { margin: 0; font-size: 22px; }
          header p { margin: 4px 0 0; color: #b9c2d0; }
          header label { display: block; margin-top: 10px; color: #dfe5ee; font-size: 13px; }
          header input { max-width: 420px; }
          main { max-width: 1040px; margin: 0 auto; padding: 20px 28px 60px; }
          h2 { font-size: 17px; margin: 26px 0 4px; }
          .tagdesc { color: #5b6575; margin: 0 0 6px; }
          details.op { background: #fff; border: 1px solid #d9dee6; border-radius: 6px; margin: 10px 0; }
          details.op > summary { cursor: pointer; padding: 10px 14px; display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; list-style: none; }
          .method { font: bold 12px monospace; padding: 3px 8px; border-radius: 4px; color: #fff; min-width: 52px; text-align: center; }
          .GET { background: #2f80ed; } .POST { background: #27ae60; } .DELETE { background: #eb5757; } .PUT, .PATCH { background: #f2994a; }
          .path { font-family: monospace; font-size: 14px; overflow-wrap: anywhere; }
          .summary { color: #5b6575; }
          .body { padding: 4px 16px 16px; border-top: 1px solid #eef1f5; }
          .desc { white-space: pre-wrap; color: #333c4a; overflow-wrap: anywhere; }
          table { border-collapse: collapse; width: 100%; margin: 8px 0; }
          th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef1f5; vertical-align: top; font-size: 13px; overflow-wrap: anywhere; }
          .eg { display: block; color: #5b6575; }
          code, textarea, input, select, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
          textarea { width: 100%; min-height: 140px; box-sizing: border-box; }
          input[type=text], input[type=password], select { width: 100%; box-sizing: border-box; padding: 4px; }
          input[type=file] { max-width: 100%; }
          button { background: #1d2430; color: #fff; border: 0; border-radius: 4px; padding: 7px 16px; cursor: pointer; margin-top: 8px; }
          button:disabled { opacity: .5; }
          pre.out { background: #10141b; color: #d6deeb; padding: 10px; border-radius: 4px; max-height: 420px; overflow: auto; white-space: pre-wrap; word-break: break-all; }
          pre.out:empty { display: none; }
          .status { font-weight: bold; margin-top: 10px; overflow-wrap: anywhere; }
          .err { color: #c0392b; }
          details.answers { margin: 10px 0; }
          details.answers > summary { cursor: pointer; font-weight: bold; }
          ul.codes { padding-left: 18px; margin: 6px 0; font-size: 13px; }
          ol.events { max-height: 420px; overflow: auto; padding-left: 28px; margin: 8px 0; font-size: 13px; }
          ol.events li { border-bottom: 1px solid #eef1f5; padding: 3px 0; }
          ol.events pre { margin: 2px 0; white-space: pre-wrap; word-break: break-all; }
          .media audio, .media video, .media img { display: block; max-width: 100%; margin: 8px 0; }
          .media a { display: inline-block; margin: 4px 0; }
          @media (max-width: 640px) {
            header { padding: 14px 12px; }
            main { padding: 12px 8px 40px; }
            .body { padding: 4px 10px 12px; }
            table, tbody, tr, td { display: block; width: 100%; box-sizing: border-box; }
            tr.head { display: none; }
            tr { border-bottom: 1px solid #eef1f5; padding: 6px 0; }
            td { border: 0; padding: 2px 0; }
          }
        </style>
        </head>
        <body data-state="loading">
        <header><h1 id="title">OpenAI Gateway API</h1><p id="subtitle">Loading the OpenAPI document…</p><div id="auth"></div></header>
        <main id="ops"></main>
        <datalist id="recent-ids"></datalist>
        <script>
        "use strict";
        const SPEC_URL = __SPEC_URL__;
        const ASK_FOR_KEY = __ASK_FOR_KEY__;
        let accessKey = ""; // in memory only: never stored

        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (key === "class") node.className = value; else node.setAttribute(key, value);
          }
          for (const child of children) {
            if (child === null || child === undefined) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }

        function resolveRef(spec, schema) {
          let guard = 0;
          while (schema && typeof schema.$ref === "string" && guard++ < 10) {
            const parts = schema.$ref.replace(/^#\//, "").split("/");
            schema = parts.reduce((node, key) => (node ? node[key] : undefined), spec);
          }
          return schema && typeof schema === "object" ? schema : {};
        }

        function typeText(spec, schema) {
          schema = resolveRef(spec, schema);
          const alternatives = schema.oneOf || schema.anyOf;
          if (Array.isArray(alternatives)) return alternatives.map((s) => typeText(spec, s)).join(" | ");
          let type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
          if (schema.format) type += " (" + schema.format + ")";
          if (type === "array" && schema.items) type = typeText(spec, schema.items) + "[]";
          return Array.isArray(schema.enum) ? type + ": " + schema.enum.join(", ") : type;
        }

        /// The example the document gives for a schema (example, examples, default, const, first enum value).
        function givenExample(schema) {
          if ("example" in schema) return schema.example;
          if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
          if ("default" in schema) return schema.default;
          if ("const" in schema) return schema.const;
          if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
          return undefined;
        }

        /// A value for a schema: the document's example, else one built from its parts (required fields and fields with an example).
        function exampleOf(spec, schema, depth) {
          schema = resolveRef(spec, schema);
          if ((depth || 0) > 5) return undefined;
          const given = givenExample(schema);
          if (given !== undefined) return given;
          // An object with its own properties is built from them (its anyOf/oneOf then only narrows them, e.g. per model).
          const alternatives = schema.oneOf || schema.anyOf;
          if (Array.isArray(alternatives) && alternatives.length && !schema.properties) return exampleOf(spec, alternatives[0], (depth || 0) + 1);
          if (Array.isArray(schema.allOf)) {
            return Object.assign({}, ...schema.allOf.map((s) => exampleOf(spec, s, (depth || 0) + 1)).filter((v) => v && typeof v === "object"));
          }
          const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
          if (type === "object" || schema.properties) {
            const value = {};
            const required = Array.isArray(schema.required) ? schema.required : [];
            for (const [name, prop] of Object.entries(schema.properties || {})) {
              if (!required.includes(name) && givenExample(resolveRef(spec, prop)) === undefined) continue;
              const field = exampleOf(spec, prop, (depth || 0) + 1);
              if (field !== undefined) value[name] = field;
            }
            return value;
          }
          if (type === "array") { const item = exampleOf(spec, schema.items, (depth || 0) + 1); return item === undefined ? [] : [item]; }
          if (type === "string") return schema.format === "binary" ? undefined : "";
          if (type === "integer" || type === "number") return typeof schema.minimum === "number" ? schema.minimum : 0;
          if (type === "boolean") return false;
          return undefined;
        }

        function exampleText(value) { return typeof value === "string" ? value : JSON.stringify(value); }

        /// The description cell of a field: its description, then the document's example (the field's own, else
        /// its value in the body's example).
        function describe(schema, fallback) {
          const given = givenExample(schema);
          const example = given === undefined ? fallback : given;
          return el("td", {}, schema.description || "", example === undefined ? null : el("span", { class: "eg" }, "Example: ", el("code", {}, exampleText(example))));
        }

        function headRow(...names) { return el("tr", { class: "head" }, ...names.map((n) => el("th", {}, n))); }

        function parameterTable(spec, params) {
          const table = el("table", {}, headRow("Name", "In", "Type", "Description", "Value"));
          const inputs = [];
          for (const p of params) {
            const schema = resolveRef(spec, p.schema);
            const example = givenExample(schema);
            const placeholder = (p.required ? "required" : "optional") + (example === undefined ? "" : ", e.g. " + exampleText(example));
            const input = el("input", { type: "text", name: p.name, "data-in": p.in, placeholder });
            if (p.in === "path") input.setAttribute("list", "recent-ids");
            inputs.push({ param: p, schema, input });
            const cell = describe(Object.assign({}, schema, { description: p.description || schema.description }));
            table.append(el("tr", {}, el("td", {}, el("code", {}, p.name + (p.required ? " *" : ""))), el("td", {}, p.in), el("td", {}, typeText(spec, schema)), cell, el("td", {}, input)));
          }
          return { table, inputs };
        }

        function fieldTable(spec, schema, bodyExample) {
          const table = el("table", {}, headRow("Field", "Type", "Description"));
          const required = Array.isArray(schema.required) ? schema.required : [];
          for (const [name, raw] of Object.entries(schema.properties || {})) {
            const prop = resolveRef(spec, raw);
            table.append(el("tr", {}, el("td", {}, el("code", {}, name + (required.includes(name) ? " *" : ""))), el("td", {}, typeText(spec, prop)), describe(prop, bodyExample && typeof bodyExample === "object" ? bodyExample[name] : undefined)));
          }
          return table;
        }

        function isBinary(spec, schema) {
          schema = resolveRef(spec, schema);
          return schema.format === "binary" || (schema.type === "array" && resolveRef(spec, schema.items).format === "binary");
        }

        /// A form for a multipart/form-data schema: a file picker per binary field, a list per enum, a text input otherwise.
        function multipartForm(spec, schema) {
          const table = el("table", {}, headRow("Field", "Type", "Description", "Value"));
          const fields = [];
          const required = Array.isArray(schema.required) ? schema.required : [];
          for (const [name, raw] of Object.entries(schema.properties || {})) {
            const prop = resolveRef(spec, raw);
            const isRequired = required.includes(name);
            let input;
            if (isBinary(spec, prop)) {
              input = el("input", { type: "file", name });
              if (prop.type === "array") input.multiple = true;
            } else if (Array.isArray(prop.enum)) {
              input = el("select", { name }, el("option", { value: "" }, isRequired ? "(choose)" : "(not sent)"));
              for (const value of prop.enum) input.append(el("option", { value: String(value) }, String(value)));
              const chosen = "default" in prop ? prop.default : (isRequired ? prop.enum[0] : undefined);
              if (chosen !== undefined && chosen !== null) input.value = String(chosen);
            } else {
              const example = givenExample(prop);
              input = el("input", { type: "text", name, placeholder: (isRequired ? "required" : "optional") + (example === undefined ? "" : ", e.g. " + exampleText(example)) });
              if (isRequired && example !== undefined) input.value = exampleText(example);
            }
            fields.push({ name, input });
            table.append(el("tr", {}, el("td", {}, el("code", {}, name + (isRequired ? " *" : ""))), el("td", {}, typeText(spec, prop)), describe(prop), el("td", {}, input)));
          }
          return { table, fields };
        }

        /// The filename of a Content-Disposition header, or a fallback.
        function filenameOf(disposition, fallback) {
          const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition || "");
          if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ } }
          const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition || "");
          return plain ? plain[1] : fallback;
        }

        /// One server-sent event frame ("event:", "data:", "id:" lines), or null for a comment-only frame.
        function parseFrame(text) {
          const frame = { event: "", data: [], id: "" };
          for (const line of text.split("\n")) {
            if (!line || line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? "" : line.slice(colon + 1);
            if (value.startsWith(" ")) value = value.slice(1);
            if (field === "event") frame.event = value; else if (field === "data") frame.data.push(value); else if (field === "id") frame.id = value;
          }
          return frame.event || frame.data.length ? frame : null;
        }

        /// Ids seen in JSON answers (the object's and its list's), suggested in the path parameter inputs.
        function rememberIds(text) {
          let value;
          try { value = JSON.parse(text); } catch (e) { return; }
          const items = value && Array.isArray(value.data) ? value.data : Array.isArray(value) ? value : [value];
          const list = document.getElementById("recent-ids");
          for (const item of items.slice(0, 20)) {
            const id = item && typeof item === "object" && typeof item.id === "string" ? item.id : null;
            if (!id || [...list.options].some((o) => o.value === id)) continue;
            list.prepend(el("option", { value: id }));
            while (list.options.length > 30) list.lastChild.remove();
          }
        }

        function pretty(text) { try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; } }

        async function showEvents(response, view) {
          const list = el("ol", { class: "events" });
          view.result.append(list);
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          let count = 0;
          const flush = (final) => {
            buffer = buffer.replace(/\r\n/g, "\n").replace(/\r(?!$)/g, "\n");
            const frames = buffer.split("\n\n");
            buffer = final ? "" : frames.pop();
            for (const text of frames) {
              const frame = parseFrame(text.replace(/\r$/, ""));
              if (!frame) continue;
              count += 1;
              list.append(el("li", {}, el("b", {}, frame.event || "message"), frame.id ? " id " + frame.id : null, el("pre", {}, pretty(frame.data.join("\n")))));
              view.op.dataset.events = String(count);
            }
            list.scrollTop = list.scrollHeight;
          };
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            flush(false);
          }
          buffer += decoder.decode() + "\n\n";
          flush(true);
          return count + " events";
        }

        /// Binary answers: audio, video and images are shown; every binary or attachment answer can be downloaded.
        async function showBytes(response, view, type) {
          const blob = await response.blob();
          const url = URL.createObjectURL(blob);
          view.urls.push(url);
          const box = el("div", { class: "media" });
          if (type.startsWith("audio/")) box.append(el("audio", { controls: "", src: url }));
          else if (type.startsWith("video/")) box.append(el("video", { controls: "", src: url }));
          else if (type.startsWith("image/")) box.append(el("img", { src: url, alt: "the answer's image" }));
          const name = filenameOf(response.headers.get("content-disposition"), "download");
          box.append(el("a", { href: url, download: name }, "Download " + name + " (" + blob.size + " bytes)"));
          view.result.append(box);
          if (type.startsWith("text/")) view.out.textContent = await blob.text();
          return blob.size + " bytes";
        }

        function buildURL(path, inputs, headers) {
          let url = path;
          const query = new URLSearchParams();
          for (const { param, schema, input } of inputs) {
            const value = input.value.trim();
            if (param.in === "path") {
              if (!value) throw new Error("Missing path parameter " + param.name);
              url = url.replace("{" + param.name + "}", encodeURIComponent(value).replace(/%2F/gi, "/"));
            } else if (value && param.in === "query") {
              const parts = schema.type === "array" ? value.split(",").map((s) => s.trim()) : [value];
              for (const part of parts) query.append(param.name, part);
            } else if (value && param.in === "header") {
              headers[param.name] = value;
            }
          }
          return [...query].length ? url + "?" + query.toString() : url;
        }

        function requestBody(view, headers) {
          const media = view.media && view.media.value;
          if (!media) return undefined;
          if (media === "multipart/form-data") {
            const form = new FormData();
            for (const { name, input } of view.form.fields) {
              if (input.type === "file") { for (const file of input.files) form.append(name, file, file.name); }
              else if (input.value.trim()) form.append(name, input.value.trim());
            }
            return form; // the browser sets Content-Type with the boundary
          }
          headers["Content-Type"] = media;
          return view.editors[media].value;
        }

        async function send(method, path, view) {
          const { op, out, status, button, result } = view;
          for (const url of view.urls.splice(0)) URL.revokeObjectURL(url);
          result.replaceChildren();
          out.textContent = "";
          status.className = "status";
          const headers = {};
          let url;
          let body;
          try {
            url = buildURL(path, view.inputs, headers);
            body = requestBody(view, headers);
          } catch (error) {
            status.textContent = String(error.message || error);
            status.className = "status err";
            op.dataset.state = "error";
            return;
          }
          if (accessKey) headers.Authorization = "Bearer " + accessKey;
          status.textContent = method + " " + url + " …";
          op.dataset.state = "sending";
          button.disabled = true;
          view.abort = new AbortController();
          view.stop.hidden = false;
          const started = performance.now();
          try {
            const response = await fetch(url, { method, headers, body, signal: view.abort.signal });
            const type = (response.headers.get("content-type") || "").toLowerCase();
            status.textContent = response.status + " " + response.statusText + "  (" + (type || "no content-type") + ")";
            if (!response.ok) status.className = "status err";
            let shown;
            const disposition = response.headers.get("content-disposition") || "";
            if (response.body && type.startsWith("text/event-stream")) shown = await showEvents(response, view);
            else if (/^(audio|video|image)\/|octet-stream|zip|pdf/.test(type) || /attachment/i.test(disposition)) shown = await showBytes(response, view, type);
            else {
              const text = await response.text();
              if (response.ok && type.includes("json")) rememberIds(text);
              out.textContent = pretty(text);
              shown = text.length + " characters";
            }
            status.textContent += "  " + shown + " in " + Math.round(performance.now() - started) + " ms";
            op.dataset.state = response.ok ? "done" : "error";
            op.dataset.status = String(response.status);
          } catch (error) {
            status.textContent = "Request failed: " + error;
            status.className = "status err";
            op.dataset.state = "error";
          } finally {
            button.disabled = false;
            view.stop.hidden = true;
          }
        }

        function renderOperation(spec, path, method, op) {
          const upper = method.toUpperCase();
          const body = el("div", { class: "body" });
          const details = el("details", { class: "op", "data-operation-id": op.operationId || upper + " " + path, "data-state": "idle" });
          const view = { op: details, inputs: [], editors: {}, form: null, media: null, urls: [] };
          if (op.description) body.append(el("p", { class: "desc" }, op.description));
          const params = (op.parameters || []).map((p) => resolveRef(spec, p));
          if (params.length) {
            const { table, inputs } = parameterTable(spec, params);
            view.inputs = inputs;
            body.append(el("h4", {}, "Parameters"), table);
          }
          const content = (op.requestBody && resolveRef(spec, op.requestBody).content) || {};
          const mediaTypes = Object.keys(content);
          if (mediaTypes.length) {
            view.media = el("select", { name: "content-type" }, ...mediaTypes.map((m) => el("option", { value: m }, m)));
            const sections = {};
            for (const media of mediaTypes) {
              const schema = resolveRef(spec, content[media].schema);
              const section = el("div", { "data-media": media });
              if (media === "multipart/form-data") {
                view.form = multipartForm(spec, schema);
                section.append(view.form.table);
              } else {
                const example = "example" in content[media] ? content[media].example : exampleOf(spec, schema);
                if (schema.properties) section.append(fieldTable(spec, schema, example));
                const editor = el("textarea", { name: media, "aria-label": "request body" });
                editor.value = typeof example === "string" ? example : JSON.stringify(example === undefined ? {} : example, null, 2);
                view.editors[media] = editor;
                section.append(editor);
              }
              sections[media] = section;
            }
            const choose = () => { for (const [media, section] of Object.entries(sections)) section.hidden = media !== view.media.value; };
            view.media.addEventListener("change", choose);
            choose();
            const heading = el("h4", {}, "Request body ");
            if (mediaTypes.length > 1) heading.append(view.media); else heading.append(el("code", {}, mediaTypes[0]));
            body.append(heading, ...Object.values(sections));
          }
          const codes = el("ul", { class: "codes" });
          for (const [code, raw] of Object.entries(op.responses || {})) {
            const response = resolveRef(spec, raw);
            codes.append(el("li", {}, el("code", {}, code), " ", response.description || "", response.content ? " (" + Object.keys(response.content).slice(0, 3).join(", ") + ")" : ""));
          }
          body.append(el("details", { class: "answers" }, el("summary", {}, "Responses (" + codes.children.length + ")"), codes));
          view.out = el("pre", { class: "out" });
          view.result = el("div", { class: "result" });
          view.status = el("div", { class: "status", role: "status" });
          view.button = el("button", { type: "button", class: "try" }, "Try it");
          view.button.addEventListener("click", () => send(upper, path, view));
          view.stop = el("button", { type: "button", class: "stop" }, "Stop");
          view.stop.hidden = true;
          view.stop.addEventListener("click", () => { if (view.abort) view.abort.abort(); });
          body.append(view.button, " ", view.stop, view.status, view.result, view.out);
          const summary = el("summary", {}, el("span", { class: "method " + upper }, upper), el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || ""));
          details.append(summary, body);
          return details;
        }

        function renderAuth() {
          if (!ASK_FOR_KEY) return;
          const input = el("input", { type: "password", id: "access-key", autocomplete: "off", placeholder: "sent as Authorization: Bearer …, kept in this page only" });
          input.addEventListener("input", () => { accessKey = input.value.trim(); });
          document.getElementById("auth").append(el("label", { for: "access-key" }, "Access key (an access key, or GATEWAY_ADMIN_KEY for the admin routes)"), input);
        }

        async function main() {
          const container = document.getElementById("ops");
          renderAuth();
          try {
            const response = await fetch(SPEC_URL);
            if (!response.ok) throw new Error("HTTP " + response.status);
            const spec = await response.json();
            const info = spec.info || {};
            document.getElementById("title").textContent = (info.title || "API") + " " + (info.version || "");
            document.getElementById("subtitle").textContent = info.description || "";
            document.title = info.title || "API";
            const tags = new Map((spec.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
            for (const [path, item] of Object.entries(spec.paths || {})) {
              for (const method of ["get", "post", "put", "patch", "delete"]) {
                const op = item && item[method];
                if (!op) continue;
                const name = (op.tags && op.tags[0]) || "Other";
                if (!tags.has(name)) tags.set(name, { tag: { name }, ops: [] });
                tags.get(name).ops.push(renderOperation(spec, path, method, op));
              }
            }
            for (const { tag, ops } of tags.values()) {
              if (!ops.length) continue;
              container.append(el("h2", {}, tag.name), tag.description ? el("p", { class: "tagdesc" }, tag.description) : null, ...ops);
            }
            document.body.dataset.state = "ready";
          } catch (error) {
            document.getElementById("subtitle").textContent = "Could not load " + SPEC_URL + ": " + error;
            document.body.dataset.state = "error";
          }
        }
        main();
        </script>
        </body>
        </html>
        """#
}
