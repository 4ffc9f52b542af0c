import Foundation

/// A receiver that cannot work as configured (its secret variable is unset, its URL does not
/// parse): every delivery fails with the reason, so `monitor test-alert` and the monitor's
/// log say which receiver and which variable, and the other receivers still deliver.
public struct UnavailableNotifier: Notifier {
    public let name: String
    /// Our words, naming variables and keys, never values.
    let reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public func deliver(_ alert: Alert) async throws {
        throw NotifierError(notifier: name, code: .launch, detail: reason)
    }
}
