/// Settles what an admitted request held (its budget reservation, stream slot and token estimate) with
/// the call's real cost and usage, when its call record is finished. A cancelled stream is settled for
/// what it produced: the upstream's usage when it sent one, else the gateway's count (`usage_estimated`).
struct QuotaSink: CallRecordSink {
    let quota: any QuotaBackend

    func record(_ call: CallRecord) {
        guard let ticket = call.quota else { return }
        let micros = call.cost.map { max(0, Int64(($0 * 1_000_000).rounded())) } ?? 0
        quota.settle(ticket, actualTokens: call.usage?.total, actualMicros: micros, now: StoreTime.milliseconds())
    }
}
