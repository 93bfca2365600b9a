import Foundation

/// Runs `python3` with arguments and collects its combined output, without blocking a thread.
public enum PythonProcess {
    /// - Returns: the exit status (-1 when it could not start, -2 when a signal ended it, e.g. after `timeout`) and the output.
    public static func run(_ arguments: [String], timeout: Duration) async -> (Int32, String) {
        await ChildProcess.run("/usr/bin/env", ["python3"] + arguments, environment: ["PYTHONUNBUFFERED": "1"], timeout: timeout)
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

/// The Python packages the tests use (what `.ci/run` installs), checked by import name; a test that needs a
/// missing one fails with a message naming it and the command that installs it, never skips.
public enum PythonModules {
    /// Import name → pip package, for those that differ.
    static let packages = ["yaml": "pyyaml", "openapi_spec_validator": "openapi-spec-validator"]
    /// The command that installs every package the suite uses (the one in `.ci/run`).
    public static let installCommand = "python3 -m pip install pyyaml jsonschema referencing openapi-spec-validator openai"

    /// nil when every module of `modules` imports; otherwise the failure message naming the missing ones.
    public static func problem(_ modules: [String]) async -> String? {
        let script = "import importlib.util, sys\nprint(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
        let (status, output) = await PythonProcess.run(["-c", script] + modules, timeout: .seconds(30))
        guard status == 0 else {
            return "python3 is not available to the tests (exit \(status): \(output.suffix(300))). Install Python 3, then: \(installCommand)"
        }
        let missing = output.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !missing.isEmpty else { return nil }
        let names = missing.map { module in packages[module].map { "\($0) (import \(module))" } ?? module }
        return "The Python package\(missing.count == 1 ? "" : "s") \(names.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") "
            + "required by this test and not installed. Install what .ci/run installs: \(installCommand)"
    }
}
