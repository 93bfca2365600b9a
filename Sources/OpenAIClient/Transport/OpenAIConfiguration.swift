/// How to reach the OpenAI API (or any server that speaks its wire format).
public struct OpenAIConfiguration: Sendable {
    /// Bearer token. `nil` sends no `Authorization` header (the simulator needs none).
    public var apiKey: String?
    /// Base URL including the version prefix, e.g. `https://api.openai.com/v1`. No trailing slash.
    public var baseURL: String
    /// Sent as `OpenAI-Organization` when set.
    public var organization: String?
    /// Sent as `OpenAI-Project` when set.
    public var project: String?
    /// Time allowed for one attempt: the whole response for JSON calls, the response head for streams.
    public var timeout: Duration
    /// Longest the upstream may take to send more of a streamed body once the reader asks for it (time the
    /// reader spends not asking never counts; see ``UpstreamBody``).
    public var idleTimeout: Duration
    public var retryPolicy: RetryPolicy
    /// Largest upstream JSON body the client will collect.
    public var maxResponseBodySize: Int
    /// Largest single event of an upstream stream (``ServerSentEventSequence``).
    public var maxEventBytes: Int
    public var userAgent: String

    public init(
        apiKey: String?,
        baseURL: String = "https://api.openai.com/v1",
        organization: String? = nil,
        project: String? = nil,
        timeout: Duration = .seconds(60),
        idleTimeout: Duration? = nil,
        retryPolicy: RetryPolicy = RetryPolicy(),
        maxResponseBodySize: Int = 64 * 1024 * 1024,
        maxEventBytes: Int = 8 * 1024 * 1024,
        userAgent: String = "openai-gateway/0.1 (Swift)"
    ) {
        self.apiKey = apiKey
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.organization = organization
        self.project = project
        self.timeout = timeout
        self.idleTimeout = idleTimeout ?? timeout
        self.retryPolicy = retryPolicy
        self.maxResponseBodySize = maxResponseBodySize
        self.maxEventBytes = maxEventBytes
        self.userAgent = userAgent
    }
}
