import Foundation
import Synchronization

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
    /// Hits so far; one atomic add gives each hit its own number, whichever thread it is on.
    private static let counter = Atomic<Int>(0)

    public static func hit(_ label: @autoclosure () -> String) {
        guard let target else { return }
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        if count == target {
            FileHandle.standardError.write(Data("tradectl: crash point \(count): \(label())\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }
}
