import Foundation

/// Runs a program and collects its combined output, without blocking a thread.
public enum ChildProcess {
    /// - Parameters:
    ///   - environment: added to (and overriding) this process's environment.
    /// - Returns: the exit status (-1 when it could not start, -2 when a signal ended it, e.g. after `timeout`) and the output.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        currentDirectory: String? = nil,
        timeout: Duration
    ) async -> (Int32, String) {
        guard let child = try? RunningProcess(executable, arguments, environment: environment, currentDirectory: currentDirectory) else {
            return (-1, "cannot start \(executable)")
        }
        let deadline = ContinuousClock.now + timeout
        while child.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if child.isRunning { await child.stop(timeout: .seconds(2)) }
        let output = child.output
        try? FileManager.default.removeItem(atPath: child.outputPath)
        return (child.killed ? -2 : child.status, output)
    }

    /// The package's folder (for `.build/debug/openai-gateway` and scripts/).
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The gateway executable of this build (`swift build --build-tests` builds it beside the tests).
    public static var gatewayExecutable: String { packageRoot + "/.build/debug/openai-gateway" }
}

/// A long-running child (a gateway process) whose output is kept in a file while it runs.
/// (A file rather than a pipe: a full pipe would stall the child while nobody reads it.)
public final class RunningProcess: @unchecked Sendable {
    // @unchecked: `process` is only used through its own thread-safe methods after `run()`.
    private let process = Process()
    public let outputPath: String

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).txt").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        try process.run()
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.isRunning }
    /// Its process id (for /proc/<pid>/fd).
    public var processIdentifier: Int32 { process.processIdentifier }
    /// The exit status, once it has exited.
    public var status: Int32 { process.isRunning ? -1 : process.terminationStatus }
    /// A signal ended it.
    public var killed: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    /// Waits (polling its output) until `pattern` appears, and returns the first capture group of the regex.
    public func waitFor(_ pattern: String, timeout: Duration) async throws -> String? {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = output
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return Range(range, in: text).map { String(text[$0]) }
            }
            if !process.isRunning { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// SIGTERM, then waits for the exit (SIGKILL after `timeout`).
    public func stop(timeout: Duration = .seconds(10)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
