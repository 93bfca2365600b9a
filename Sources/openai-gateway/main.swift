import OpenAIGateway

// Swift concurrency runs on NIO's event loops: installed first, synchronously on the main thread, before
// any task exists (NIO requires both).
ConcurrencyOnEventLoops.install()
// The console shows the gateway's own lines at every level, the libraries' from info up (verbose: all).
ConsoleLogHandler.bootstrap()

/// AsyncParsableCommand's async entry point (called from an async function, where that overload is chosen).
func runCommand() async {
    await OpenAIGatewayCommand.main(nil)
}

await runCommand()
