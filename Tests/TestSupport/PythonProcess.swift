import Foundation

/// Runs `python3` with arguments and collects its combined output, without blocking a thread.
public enum PythonProcess {
    /// - Returns: the exit status (-1 when it could not start, -2 when a signal ended it, e.g. after `timeout`) and the output.
    public static func run(_ arguments: [String], timeout: Duration) async -> (Int32, String) {
        // A file rather than a pipe: a full pipe would stall the child while nobody reads it.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("sdkcheck-\(UUID().uuidString).txt")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: outputFile)
        else { return (-1, "cannot create \(outputFile.path)") }
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = handle
        process.standardError = handle
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            if process.isRunning { process.terminate() }
        }
        let status: Int32 = await withCheckedContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: -1)
            }
        }
        watchdog.cancel()
        let killed = process.terminationReason == .uncaughtSignal
        try? handle.close()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        return (killed ? -2 : status, output)
    }
}

/// Whether `import openai` works, trying one `pip install` when it does not; checked once per run.
public actor SDKAvailability {
    public static let shared = SDKAvailability()
    private var checked: String??

    /// `nil` when the package imports, otherwise why it does not.
    public func problem() async -> String? {
        if let checked { return checked }
        var result: String? = nil
        let (status, output) = await PythonProcess.run(["-c", "import openai; print(openai.__version__)"], timeout: .seconds(30))
        if status != 0 {
            let (pipStatus, pipOutput) = await PythonProcess.run(
                ["-m", "pip", "install", "--quiet", "openai"],
                timeout: .seconds(180)
            )
            let (retryStatus, retryOutput) = await PythonProcess.run(["-c", "import openai"], timeout: .seconds(30))
            if retryStatus != 0 {
                result =
                    "python3 cannot import openai (\(output.suffix(300))); "
                    + "pip install exited with \(pipStatus) (\(pipOutput.suffix(300))); \(retryOutput.suffix(300))"
            }
        }
        checked = .some(result)
        return result
    }
}
