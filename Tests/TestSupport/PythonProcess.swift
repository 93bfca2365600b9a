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
