package import OshiraseDaemon

/// The HTTP answer to one push, from the daemon's typed outcome: the status and the small JSON
/// object `POST /v1/alerts` returns (docs/push.md). 202 with `identifier`, `state` (and `reason`
/// when not shown) for a kept message; otherwise `error` (a stable code) and `reason`.
package struct PushAnswer: Sendable, Equatable {
    package var status: Int
    package var fields: [String: String]

    package init(status: Int, fields: [String: String]) {
        self.status = status
        self.fields = fields
    }

    package init(_ outcome: AlertIntakeOutcome) {
        switch outcome {
        case .kept(let kept):
            status = 202
            fields = ["identifier": kept.identifier, "state": kept.state]
            if let reason = kept.reason { fields["reason"] = reason }
        case .refused(let refusal):
            status = refusal.kind.httpStatus
            fields = ["error": refusal.code]
            if let reason = refusal.reason { fields["reason"] = reason }
            if let element = refusal.element { fields["element"] = element }
        }
    }
}
