import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fail points for crash-consistency tests, in the manner of etcd's gofail or TiKV's fail-rs.
///
/// Every step of the Executor and every half-done atomic write calls `hit`. With
/// `TRADECTL_CRASH_AT=N` in the environment the process kills itself with SIGKILL at
/// the N-th point, exactly as an operator's `kill -9` or a power cut would. Unset (the
/// normal case) it costs one load of a cached value.
public enum CrashPoint {
    private static let target: Int? = ProcessInfo.processInfo.environment["TRADECTL_CRASH_AT"].flatMap(Int.init)
    private static let counter = Counter()

    public static func hit(_ label: @autoclosure () -> String) {
        guard let target else { return }
        let count = counter.increment()
        if count == target {
            FileHandle.standardError.write(Data("tradectl: crash point \(count): \(label())\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
