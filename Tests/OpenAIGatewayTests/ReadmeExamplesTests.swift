import Foundation
import TestSupport
import Testing

/// The README's examples run as a new user pastes them: every sh and python block, in order, against the
/// built gateway on its simulator (scripts/readme_examples.py), so the README cannot go stale.
@Suite("README examples")
struct ReadmeExamplesTests {
    @Test("every README example runs as written and prints no error body it does not announce")
    func readmeExamplesRun() async throws {
        let executable = ChildProcess.gatewayExecutable
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the executable first: swift build --build-tests")
        let (status, output) = await PythonProcess.run(
            [ChildProcess.packageRoot + "/scripts/readme_examples.py", "--binary", executable, "--readme", ChildProcess.packageRoot + "/README.md"],
            timeout: .seconds(600)
        )
        #expect(status == 0, "\(output.suffix(6000))")
        #expect(output.contains("README examples:") && output.contains(" 0 failed"), "\(output.prefix(2000))")
    }
}
