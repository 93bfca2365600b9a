import Foundation

/// The interactive documentation page served at `/api-docs`.
///
/// Self-contained (inline CSS and vanilla JavaScript, no CDN): the gateway often runs where there
/// is no internet. The page fetches the OpenAPI document and renders each operation with a small
/// "Try it" form; streaming answers are shown as they arrive.
public enum APIDocsPage {
    /// The page, loading the document from `specURL` (e.g. `/openapi.json`).
    public static func html(specURL: String) -> String {
        template.replacingOccurrences(of: "__SPEC_URL__", with: javaScriptString(specURL))
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
        <style>
          body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #1d2430; }
          header { background: #1d2430; color: #fff; padding: 18px 28px; }
          header h1 { margin: 0; font-size: 22px; }
          header p { margin: 4px 0 0; color: #b9c2d0; }
          main { max-width: 1040px; margin: 0 auto; padding: 20px 28px 60px; }
          details.op { background: #fff; border: 1px solid #d9dee6; border-radius: 6px; margin: 10px 0; }
          details.op > summary { cursor: pointer; padding: 10px 14px; display: flex; gap: 12px; align-items: center; list-style: none; }
          .method { font: bold 12px monospace; padding: 3px 8px; border-radius: 4px; color: #fff; min-width: 52px; text-align: center; }
          .GET { background: #2f80ed; } .POST { background: #27ae60; } .DELETE { background: #eb5757; } .PUT, .PATCH { background: #f2994a; }
          .path { font-family: monospace; font-size: 14px; }
          .summary { color: #5b6575; }
          .body { padding: 4px 16px 16px; border-top: 1px solid #eef1f5; }
          .desc { white-space: pre-wrap; color: #333c4a; }
          table { border-collapse: collapse; width: 100%; margin: 8px 0; }
          th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef1f5; vertical-align: top; font-size: 13px; }
          code, textarea, input, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
          textarea { width: 100%; min-height: 140px; box-sizing: border-box; }
          input[type=text] { width: 100%; box-sizing: border-box; padding: 4px; }
          button { background: #1d2430; color: #fff; border: 0; border-radius: 4px; padding: 7px 16px; cursor: pointer; margin-top: 8px; }
          button:disabled { opacity: .5; }
          pre.out { background: #10141b; color: #d6deeb; padding: 10px; border-radius: 4px; max-height: 420px; overflow: auto; white-space: pre-wrap; word-break: break-all; }
          .status { font-weight: bold; margin-top: 10px; }
          .err { color: #c0392b; }
          .codes span { display: inline-block; margin-right: 8px; font-family: monospace; }
        </style>
        </head>
        <body>
        <header><h1 id="title">OpenAI Gateway API</h1><p id="subtitle">Loading the OpenAPI document…</p></header>
        <main id="ops"></main>
        <script>
        "use strict";
        const SPEC_URL = __SPEC_URL__;

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
          while (schema && schema.$ref && guard++ < 10) {
            const parts = schema.$ref.replace(/^#\//, "").split("/");
            schema = parts.reduce((node, key) => (node ? node[key] : undefined), spec);
          }
          return schema || {};
        }

        function typeText(schema) {
          if (!schema) return "";
          if (schema.oneOf) return schema.oneOf.map(typeText).join(" | ");
          const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
          return schema.enum ? type + " (" + schema.enum.join(", ") + ")" : type;
        }

        function parameterTable(params) {
          const table = el("table", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "In"), el("th", {}, "Type"), el("th", {}, "Description"), el("th", {}, "Value")));
          const inputs = [];
          for (const p of params) {
            const input = el("input", { type: "text", placeholder: p.required ? "required" : "optional" });
            inputs.push({ param: p, input });
            table.append(el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, typeText(p.schema)), el("td", {}, p.description || ""), el("td", {}, input)));
          }
          return { table, inputs };
        }

        function bodyFields(spec, requestBody) {
          const schema = resolveRef(spec, requestBody.content["application/json"].schema);
          const props = schema.properties || {};
          const table = el("table", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "Type"), el("th", {}, "Description")));
          for (const [name, prop] of Object.entries(props)) {
            const required = (schema.required || []).includes(name) ? " *" : "";
            table.append(el("tr", {}, el("td", {}, el("code", {}, name + required)), el("td", {}, typeText(prop)), el("td", {}, prop.description || "")));
          }
          return table;
        }

        async function send(method, path, inputs, textarea, isStream, out, status, button) {
          let url = path;
          const query = new URLSearchParams();
          const headers = {};
          for (const { param, input } of inputs) {
            const value = input.value.trim();
            if (param.in === "path") {
              if (!value) { status.textContent = "Missing path parameter " + param.name; status.className = "status err"; return; }
              url = url.replace("{" + param.name + "}", encodeURIComponent(value));
            } else if (value && param.in === "query") {
              for (const part of value.split(",")) query.append(param.name, part.trim());
            } else if (value && param.in === "header") {
              headers[param.name] = value;
            }
          }
          if ([...query].length) url += "?" + query.toString();
          const init = { method, headers };
          if (textarea) { init.body = textarea.value; headers["Content-Type"] = "application/json"; }
          out.textContent = "";
          status.textContent = method + " " + url + " …";
          status.className = "status";
          button.disabled = true;
          const started = performance.now();
          try {
            const response = await fetch(url, init);
            status.textContent = response.status + " " + response.statusText + "  (" + (response.headers.get("content-type") || "no content-type") + ")";
            if (!response.ok) status.className = "status err";
            const type = response.headers.get("content-type") || "";
            if (response.body && (isStream || type.startsWith("text/event-stream"))) {
              const reader = response.body.getReader();
              const decoder = new TextDecoder();
              for (;;) {
                const { done, value } = await reader.read();
                if (done) break;
                out.textContent += decoder.decode(value, { stream: true });
                out.scrollTop = out.scrollHeight;
              }
              out.textContent += decoder.decode();
            } else {
              const text = await response.text();
              try { out.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { out.textContent = text; }
            }
            status.textContent += "  in " + Math.round(performance.now() - started) + " ms";
          } catch (error) {
            status.textContent = "Request failed: " + error;
            status.className = "status err";
          } finally {
            button.disabled = false;
          }
        }

        function renderOperation(spec, path, method, op) {
          const upper = method.toUpperCase();
          const body = el("div", { class: "body" });
          if (op.description) body.append(el("p", { class: "desc" }, op.description));
          const params = (op.parameters || []).map((p) => resolveRef(spec, p));
          const { table, inputs } = parameterTable(params);
          if (params.length) body.append(el("h4", {}, "Parameters"), table);
          let textarea = null;
          if (op.requestBody && op.requestBody.content && op.requestBody.content["application/json"]) {
            const media = op.requestBody.content["application/json"];
            body.append(el("h4", {}, "Request body"), bodyFields(spec, op.requestBody));
            textarea = el("textarea", {});
            textarea.value = JSON.stringify(media.example || {}, null, 2);
            body.append(textarea);
          }
          const codes = el("div", { class: "codes" }, "Responses: ");
          let isStream = false;
          for (const [code, response] of Object.entries(op.responses || {})) {
            codes.append(el("span", { title: response.description || "" }, code));
            if (response.content && response.content["text/event-stream"]) isStream = true;
          }
          body.append(codes);
          const out = el("pre", { class: "out" });
          const status = el("div", { class: "status" });
          const button = el("button", { type: "button" }, "Try it");
          button.addEventListener("click", () => send(upper, path, inputs, textarea, isStream, out, status, button));
          body.append(button, status, out);
          const summary = el("summary", {}, el("span", { class: "method " + upper }, upper), el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || ""));
          return el("details", { class: "op" }, summary, body);
        }

        async function main() {
          const container = document.getElementById("ops");
          try {
            const response = await fetch(SPEC_URL);
            if (!response.ok) throw new Error("HTTP " + response.status);
            const spec = await response.json();
            document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
            document.getElementById("subtitle").textContent = spec.info.description || "";
            document.title = spec.info.title;
            for (const [path, item] of Object.entries(spec.paths || {})) {
              for (const method of ["get", "post", "put", "patch", "delete"]) {
                if (item[method]) container.append(renderOperation(spec, path, method, item[method]));
              }
            }
          } catch (error) {
            document.getElementById("subtitle").textContent = "Could not load " + SPEC_URL + ": " + error;
          }
        }
        main();
        </script>
        </body>
        </html>
        """#
}
