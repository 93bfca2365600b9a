import Foundation
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAIGateway

/// `/api-docs` in headless Chromium, on a gateway in front of the simulator: routes are tried from the page
/// itself (its "Try it" buttons, its form fields, a file made in the page), on a phone-sized screen.
@Suite("Docs page in a browser")
struct DocsPageTests {
    /// Loads the docs page of `gw`, runs `probe` on it, and returns the report and the probe's value.
    static func load(_ gw: GatewayHarness, _ probe: String, width: Int, height: Int, clean: Bool = true) async throws -> (JSONValue, JSONValue) {
        let report = try await BrowserCheck.run(
            gw.baseURL + "/api-docs",
            ready: "['ready', 'error'].includes(document.body.dataset.state)",
            probe: probe,
            width: width,
            height: height,
            probeTimeout: 90,
            clean: clean
        )
        return (report, try #require(report["value"]))
    }

    /// Helpers the probes share: `run(id, prepare)` opens an operation, lets `prepare` fill it, presses
    /// "Try it" and waits for the answer.
    static let helpers = """
        const wait = async (predicate, ms) => {
          const end = Date.now() + ms;
          while (Date.now() < end) { if (predicate()) return true; await new Promise((r) => setTimeout(r, 25)); }
          return false;
        };
        const op = (id) => document.querySelector('details.op[data-operation-id="' + id + '"]');
        const finished = (node) => ["done", "error"].includes(node.dataset.state);
        const run = async (id, prepare) => {
          const node = op(id);
          if (!node) return { missing: id };
          node.open = true;
          if (prepare) prepare(node);
          node.querySelector("button.try").click();
          await wait(() => finished(node), 20000);
          return { state: node.dataset.state, status: node.dataset.status, text: node.querySelector(".status").textContent,
                   out: node.querySelector("pre.out").textContent };
        };
        """

    /// A JSON route, an upload of a file made in the page, its download, speech and a stream, tried from the page.
    static let tryRoutes = """
        (async () => {
          \(helpers)
          const result = { operations: document.querySelectorAll("details.op").length, keyField: !!document.getElementById("access-key") };
          const inputRow = [...op("createTextResponse").querySelectorAll("tr")].find((r) => r.cells[0].textContent.startsWith("input"));
          result.inputExample = inputRow && inputRow.querySelector(".eg") ? inputRow.querySelector(".eg").textContent : null;
          result.text = await run("createTextResponse");
          result.upload = await run("uploadFile", (node) => {
            const files = new DataTransfer();
            files.items.add(new File(["notes from the docs page\\n"], "notes.txt", { type: "text/plain" }));
            node.querySelector('input[type=file][name="file"]').files = files.files;
            node.querySelector('select[name="purpose"]').value = "user_data";
          });
          try { result.fileId = JSON.parse(result.upload.out).id; } catch (e) { result.fileId = null; }
          result.suggestedIds = [...document.querySelectorAll("#recent-ids option")].map((o) => o.value);
          result.download = await run("downloadFile", (node) => { node.querySelector('input[name="id"]').value = result.fileId; });
          const link = op("downloadFile").querySelector("a[download]");
          result.downloadName = link ? link.getAttribute("download") : null;
          result.downloadText = link ? await (await fetch(link.href)).text() : null;
          result.speechBody = JSON.parse(op("createSpeech").querySelector("textarea").value);
          result.speech = await run("createSpeech");
          const audio = op("createSpeech").querySelector("audio");
          result.audioSrc = audio ? audio.src : null;
          result.audioBytes = audio ? (await (await fetch(audio.src)).blob()).size : 0;
          result.audioPlayable = !audio ? "no audio element" : await new Promise((resolve) => {
            if (audio.readyState >= 1) return resolve(true);
            audio.addEventListener("loadedmetadata", () => resolve(true), { once: true });
            audio.addEventListener("error", () => resolve("error " + (audio.error && audio.error.code)), { once: true });
            setTimeout(() => resolve("no metadata after 5 s, readyState " + audio.readyState), 5000);
          });
          result.audioDuration = audio ? audio.duration : 0;
          const speechLink = op("createSpeech").querySelector("a[download]");
          result.speechName = speechLink ? speechLink.getAttribute("download") : null;
          result.stream = await run("streamTextResponse");
          result.events = [...op("streamTextResponse").querySelectorAll("ol.events li b")].map((b) => b.textContent);
          for (const node of document.querySelectorAll("details.op")) node.open = true;
          result.pageWidth = document.documentElement.scrollWidth;
          result.viewportWidth = window.innerWidth;
          result.scripts = [...document.scripts].filter((s) => s.src).length;
          result.sheets = [...document.styleSheets].filter((s) => s.href).length;
          return result;
        })()
        """

    @Test("a JSON route, an upload and its download, speech and a stream, tried from the page at 390 px, with no console errors")
    func triesRoutes() async throws {
        try await GatewayHarness.run { gw in
            let (report, page) = try await Self.load(gw, Self.tryRoutes, width: 390, height: 844)
            let document = GatewayOpenAPI.document(serverURL: nil)
            let methods: Set = ["get", "post", "put", "patch", "delete"]
            let operations = document["paths"]?.objectValue?.reduce(0) { count, path in
                count + (path.value.objectValue?.filter { methods.contains($0.key) }.count ?? 0)
            }
            #expect(page["operations"]?.intValue == operations)
            #expect(page["keyField"] == false, "no access key field when neither keys nor the admin routes are on")

            #expect(page["inputExample"] == "Example: Write a haiku about gateways.", "a field shows the body example's value")
            #expect(page["text"]?["status"] == "201", "\(page["text"] ?? .null)")
            let text = try JSONValue(parsing: page["text"]?["out"]?.stringValue ?? "")
            #expect(text["object"] == "response" && text["output_text"]?.stringValue?.isEmpty == false)

            #expect(page["upload"]?["status"] == "201", "\(page["upload"] ?? .null)")
            let fileID = try #require(page["fileId"]?.stringValue)
            #expect(fileID.hasPrefix("file-"))
            #expect(page["suggestedIds"]?.arrayValue?.first?.stringValue == fileID, "the id is offered in the path inputs")
            #expect(page["download"]?["status"] == "200", "\(page["download"] ?? .null)")
            #expect(page["downloadName"] == "notes.txt" && page["downloadText"] == "notes from the docs page\n")

            // The JSON editor is filled from the schema: required fields, defaults and examples.
            #expect(page["speechBody"]?["input"] == "Hello from the gateway." && page["speechBody"]?["voice"]?.stringValue != nil)
            #expect(page["speech"]?["status"] == "200", "\(page["speech"] ?? .null)")
            #expect(page["audioSrc"]?.stringValue?.hasPrefix("blob:") == true)
            #expect((page["audioBytes"]?.intValue ?? 0) > 1000)
            #expect(page["audioPlayable"] == true, "\(page["audioPlayable"] ?? .null)")
            #expect((page["audioDuration"]?.doubleValue ?? 0) > 0)
            #expect(page["speechName"] == "speech.mp3")

            #expect(page["stream"]?["status"] == "201", "\(page["stream"] ?? .null)")
            let events = page["events"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(events.count >= 5 && events.first == "response_created" && events.last == "response_completed", "\(events)")

            #expect((page["pageWidth"]?.intValue ?? .max) <= (page["viewportWidth"]?.intValue ?? 0), "every operation open at 390 px")
            #expect(page["scripts"] == 0 && page["sheets"] == 0)
            #expect(report["console_errors"] == [] && report["failed_requests"] == [] && report["exceptions"] == [])
        }
    }

    /// Presses "Try it" on every operation of the document with what the page fills in by itself.
    static let tryEverything = """
        (async () => {
          \(helpers)
          const ops = [...document.querySelectorAll("details.op")];
          for (const node of ops) { node.open = true; node.querySelector("button.try").click(); }
          await wait(() => ops.every(finished), 60000);
          return {
            total: ops.length,
            unfinished: ops.filter((n) => !finished(n)).map((n) => n.dataset.operationId),
            silent: ops.filter((n) => !n.querySelector(".status").textContent).map((n) => n.dataset.operationId),
            answered: ops.filter((n) => n.dataset.status).length
          };
        })()
        """

    @Test("every operation of the document renders and its Try it ends in an answer or a message, never an exception")
    func everyOperation() async throws {
        try await GatewayHarness.run { gw in
            let (report, page) = try await Self.load(gw, Self.tryEverything, width: 1280, height: 900, clean: false)
            #expect(report["error"] == nil, "\(report["error"] ?? .null)")
            #expect((page["total"]?.intValue ?? 0) > 60)
            #expect(page["unfinished"] == [], "still waiting: \(page["unfinished"] ?? .null)")
            #expect(page["silent"] == [])
            #expect((page["answered"]?.intValue ?? 0) > 20)
            // Requests that the gateway refuses (400 for an empty prompt...) are answers, not page errors.
            #expect(report["exceptions"] == [])
            let consoleErrors = report["console_errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(consoleErrors.allSatisfy { $0.hasPrefix("Failed to load resource") }, "\(consoleErrors)")
        }
    }

    static let tryWithKey = """
        (async () => {
          \(helpers)
          const field = document.getElementById("access-key");
          if (!field) return { keyField: false };
          const without = await run("createTextResponse");
          field.value = __SECRET__;
          field.dispatchEvent(new Event("input"));
          const withKey = await run("createTextResponse");
          return { keyField: field.type, without: without.status, withKey: withKey.status,
                   stored: localStorage.length + sessionStorage.length + document.cookie.length };
        })()
        """

    @Test("with GATEWAY_AUTH=keys the page asks for an access key, sends it as a Bearer token and stores it nowhere")
    func accessKey() async throws {
        try await GatewayHarness.run(configure: AccessKeyTests.keysOn) { gw in
            let (_, secret) = try await AccessKeyTests.createKey(gw, ["name": "docs-page"])
            let probe = Self.tryWithKey.replacingOccurrences(of: "__SECRET__", with: APIDocsPage.javaScriptString(secret))
            let (report, page) = try await Self.load(gw, probe, width: 390, height: 844, clean: false)
            #expect(page["keyField"] == "password")
            #expect(page["without"] == "401" && page["withKey"] == "201", "\(page)")
            #expect(page["stored"] == 0)
            #expect(report["exceptions"] == [])
            let failed = report["failed_requests"]?.arrayValue ?? []
            #expect(failed.count == 1 && failed.first?["status"]?.intValue == 401, "only the try without a key: \(failed)")
        }
    }
}
