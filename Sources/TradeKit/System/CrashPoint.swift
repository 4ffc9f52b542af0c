import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Fail points for crash-consistency tests, in the manner of etcd's gofail or TiKV's fail-rs.
///
/// Every step of the Executor and every half-done atomic write calls `hit`. With
/// `TRADECTL_CRASH_AT=N` in the environment the process kills itself with SIGKILL at
/// the N-th point, exactly as an operator's `kill -9` or a power cut would. With
/// `TRADECTL_CRASH_AT_LABEL=text` it does so at the first point whose label contains `text`:
/// a long-running process (the monitor) passes many unrelated points before the one a test
/// means. Unset (the normal case) it costs one load of a cached value.
public enum CrashPoint {
    private static let target: Int? = ProcessInfo.processInfo.environment["TRADECTL_CRASH_AT"].flatMap(Int.init)
    private static let label: String? = ProcessInfo.processInfo.environment["TRADECTL_CRASH_AT_LABEL"].flatMap {
        $0.isEmpty ? nil : $0
    }
    /// Hits so far; one atomic add gives each hit its own number, whichever thread it is on.
    private static let counter = Atomic<Int>(0)

    public static func hit(_ label: @autoclosure () -> String) {
        if let wanted = Self.label {
            let text = label()
            if text.contains(wanted) { die("tradectl: crash point \(text)\n") }
            return
        }
        guard let target else { return }
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        if count == target {
            die("tradectl: crash point \(count): \(label())\n")
        }
    }

    private static func die(_ line: String) {
        FileHandle.standardError.write(Data(line.utf8))
        kill(getpid(), SIGKILL)
    }
}
