import Foundation

/// Runs blocking work (a socket poll, an SQLite read, statvfs) on a Dispatch thread,
/// so it cannot starve the cooperative pool the other checks and their timeouts run on
/// (two threads on a 2-core machine).
func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
