import Foundation
import Logging
import ServiceLifecycle

/// Prints the one line of a graceful shutdown, once everything has drained: what was in progress when
/// it began, what had to be cut at `SHUTDOWN_TIMEOUT_MS`, and the log entries written at the end.
/// It is the first of the application's services, so the last to shut down.
struct ShutdownReport: Service {
    let connections: ConnectionCounter
    let logWriter: InteractionLogWriter
    let logger: Logger

    func run() async throws {
        // Cancelled rather than shut down: the start failed (a port in use), there is nothing to report.
        guard (try? await gracefulShutdown()) != nil else { return }
        logger.notice("\(Self.line(connections.shutdownReport, log: logWriter.drainCounts, now: .now))")
    }

    static func line(
        _ report: (snapshot: ConnectionCounter.ShutdownSnapshot?, cut: Int),
        log: (queuedAtStop: Int, written: Int, late: Int),
        now: ContinuousClock.Instant
    ) -> String {
        var parts: [String] = []
        if let snapshot = report.snapshot {
            let finished = max(snapshot.requests - report.cut, 0)
            parts.append("\(finished) request\(finished == 1 ? "" : "s") in progress finished")
            if report.cut > 0 { parts.append("\(report.cut) cut at SHUTDOWN_TIMEOUT_MS") }
            parts.append("\(snapshot.connections) connection\(snapshot.connections == 1 ? "" : "s") closed")
        } else {
            parts.append("no connection was open")
        }
        parts.append("\(log.queuedAtStop) queued log entr\(log.queuedAtStop == 1 ? "y" : "ies") written (\(log.written) in all)")
        if log.late > 0 { parts.append("\(log.late) arrived too late to be logged") }
        let took = report.snapshot.map { String(format: " in %.2f s", (now - $0.at).seconds) } ?? ""
        return "openai-gateway stopped\(took): " + parts.joined(separator: ", ")
    }
}
