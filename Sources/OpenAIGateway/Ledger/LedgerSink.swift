import Foundation

/// The usage ledger as a call-record sink: one ``LedgerRow`` per finished call of the API routes
/// (`/api/*`, `/v1/*`, and paths no route matched), queued on the ``LedgerWriter``.
///
/// The operator's and system routes (`/admin/*`, `/metrics`, `/dashboard`, `/health`, `/api-docs*`, `/`)
/// spend nothing and are not usage: they stay in the interaction log only.
public struct LedgerSink: CallRecordSink {
    let writer: LedgerWriter

    public init(writer: LedgerWriter) {
        self.writer = writer
    }

    public func record(_ call: CallRecord) {
        guard Self.isUsage(call) else { return }
        writer.append(LedgerRow(call))
    }

    /// Whether a call belongs in the ledger: not one of the operator's or system routes.
    static func isUsage(_ call: CallRecord) -> Bool {
        let target = call.route ?? call.path
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        if path == "/" || path.isEmpty { return false }
        for prefix in ["/admin", "/metrics", "/dashboard", "/health"] where path == prefix || path.hasPrefix(prefix + "/") {
            return false
        }
        return !path.hasPrefix("/api-docs")
    }
}
