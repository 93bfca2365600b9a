import Foundation
import OpenAIClient
import TestSupport
import Testing

/// A page of the gateway in headless Chromium (Debian's `chromium`), driven by Tests/TestSupport/chromium_check.py.
enum BrowserCheck {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("TestSupport/chromium_check.py").path

    /// Loads `url`, waits until `ready` is truthy, evaluates `probe` (awaited when it is a promise) and returns the
    /// script's JSON report. With `clean`, the page must have had no console error, exception or failed request.
    static func run(
        _ url: String,
        ready: String,
        probe: String,
        headers: [String] = [],
        width: Int,
        height: Int,
        probeTimeout: Int = 10,
        clean: Bool = true
    ) async throws -> JSONValue {
        var arguments = [
            script, url, "--ready", ready, "--eval", probe, "--width", String(width), "--height", String(height),
            "--timeout", "40", "--eval-timeout", String(probeTimeout),
        ]
        for header in headers { arguments += ["--header", header] }
        let (status, output) = await PythonProcess.run(arguments, timeout: .seconds(90 + probeTimeout))
        // Chromium missing is a failure that names the package, never a skip.
        #expect(status != 2, "headless Chromium is needed: \(output)")
        if clean { #expect(status == 0, "the page had errors: \(output)") }
        guard let start = output.firstIndex(of: "{") else { throw HarnessError("no report from chromium_check.py: \(output)") }
        return try JSONValue(parsing: String(output[start...]))
    }
}
