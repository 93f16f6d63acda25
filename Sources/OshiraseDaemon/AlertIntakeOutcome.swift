package import OshiraseCore
import Foundation

/// What became of one message given to the box (a push or a feed document). The API turns it
/// into an HTTP status and a JSON body; the feed poller into whether to fetch again.
public enum AlertIntakeOutcome: Sendable, Equatable {
    /// Kept: stored durably and in the book, or known already.
    case kept(KeptAlert)
    /// Refused: nothing changed but the audit.
    case refused(AlertRefusal)

    /// True when the box could not keep the message for a reason of its own (a failing disk):
    /// the same message may come again.
    package var isUnavailable: Bool {
        if case .refused(let refusal) = self { return refusal.kind == .unavailable }
        return false
    }
}

/// A message the box keeps.
public struct KeptAlert: Sendable, Equatable {
    public var identifier: String
    /// `active`, `scheduled`, `not-shown`, `cancelled` or `expired`.
    public var state: String
    /// Why it is not shown, or what a Cancel did not withdraw.
    package var reason: String?
    /// The same message was kept before.
    package var isDuplicate: Bool
    /// Its sender, identifier and sent time.
    package var identity: AlertIdentity?

    package init(identifier: String, state: String, reason: String?, isDuplicate: Bool) {
        self.identifier = identifier
        self.state = state
        self.reason = reason
        self.isDuplicate = isDuplicate
    }
}

/// Why a message was refused, in a stable code and words for the sender.
public struct AlertRefusal: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// The body is over the limit.
        case tooLarge
        /// Nothing this box trusts vouches for it (envelope, key, signature, time, feed sender).
        case unauthenticated
        /// The key is trusted but may not speak for this sender.
        case forbidden
        /// A replay, or another message holds the identity.
        case conflict
        /// Not valid CAP, or CAP this box does not take (a Draft, a reference to nothing).
        case unprocessable
        /// The box cannot keep it now (its disk, its replay memory): try again later.
        case unavailable
    }
    package var kind: Kind
    /// A stable code, e.g. `bad-signature`, `replayed`, `invalid-cap`, `store-unavailable`.
    package var code: String
    package var reason: String?
    /// The CAP element the first problem is at, for `invalid-cap`.
    package var element: String?
    /// Seconds to wait before trying again, when the box knows.
    package var retryAfterSeconds: Int?

    package init(_ kind: Kind, _ code: String, _ reason: String?, element: String? = nil, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.code = code
        self.reason = reason
        self.element = element
        self.retryAfterSeconds = retryAfterSeconds
    }
}

extension AlertRefusal.Kind {
    /// The HTTP status the API answers for it, and the audit records (docs/http-api.md).
    package var httpStatus: Int {
        switch self {
        case .tooLarge: 413
        case .unauthenticated: 401
        case .forbidden: 403
        case .conflict: 409
        case .unprocessable: 422
        case .unavailable: 503
        }
    }
}
