/// What one admitted request holds against its key's limits until its call record is finished: the
/// minute window it was counted in, its token estimate, its budget reservation and stream slot.
/// Settled by the quota sink with the call's real usage and cost.
public struct QuotaTicket: Sendable, Hashable {
    public var keyID: String
    /// The one-minute window (ms since 1970) the request and its estimated tokens were counted in.
    public var windowStart: Int64
    /// Tokens counted at admission (input estimate plus the reserved output), corrected at settlement.
    public var estimatedTokens: Int
    /// The budget reservation (micro-USD) and the period it was taken in; nil without a budget.
    public var reservedMicros: Int64?
    public var periodStart: Int64?
    /// The store's lease ids (a budget reservation, a stream slot) to release at settlement.
    public var leases: [String]
    /// The request holds a stream slot.
    public var stream: Bool

    public init(
        keyID: String,
        windowStart: Int64,
        estimatedTokens: Int,
        reservedMicros: Int64? = nil,
        periodStart: Int64? = nil,
        leases: [String] = [],
        stream: Bool = false
    ) {
        self.keyID = keyID
        self.windowStart = windowStart
        self.estimatedTokens = estimatedTokens
        self.reservedMicros = reservedMicros
        self.periodStart = periodStart
        self.leases = leases
        self.stream = stream
    }
}
