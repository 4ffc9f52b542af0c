import Foundation

/// Runs `body` under a deadline, cancelling it when the deadline passes first.
///
/// Only for work that stops when cancelled (URLSession tasks, swift-subprocess, which kills the
/// child on cancellation): a task group waits for every child, so uncancellable work would hold
/// the caller past its deadline. Throws `DeadlineExceeded` on timeout.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
        return value
    }
}

/// The deadline of `withDeadline` passed before the work finished.
struct DeadlineExceeded: Error {}

extension Duration {
    /// Seconds as a `TimeInterval`, for Foundation APIs and messages.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
