import Testing

@testable import TradeKit

/// Secrets the receiver tests configure; none may appear in any printed error.
enum Canary {
    static let smtpUser = "CANARY-smtp-user"
    static let smtpPassword = "CANARY-smtp-password"
    static let routingKey = "CANARY-pd-routing-key-0123456789ab"
    static let telegramToken = "123456789:CANARY-telegram-token"
    static let all = [smtpUser, smtpPassword, routingKey, telegramToken, "CANARY"]

    /// Every way of printing `error`, checked for every secret.
    static func expectHidden(_ error: (any Error)?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error else { return }
        let printed = NotifierTests.printed(error)
        for secret in all {
            #expect(!printed.contains(secret), "\(printed)", sourceLocation: sourceLocation)
        }
    }
}
