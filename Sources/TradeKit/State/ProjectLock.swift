import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Another tradectl holds the project lock (exit 75).
public struct LockHeldError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .tempFail }
    public var holder: String
    public var description: String {
        "another tradectl is running on this project (\(holder)); wait for it to finish, then retry"
    }
}

/// One mutating command at a time per project: `flock` on `<state_dir>/tradectl.lock`.
///
/// The kernel drops a flock when its holder dies, so a kill -9 never leaves a stale
/// lock; the file's content (pid, command, start time) only names the holder.
public final class ProjectLock {
    private let descriptor: Int32
    public let path: String
    /// Held by an ancestor that handed it down (a hook calling tradectl); not ours to release.
    public private(set) var inherited = false

    /// Set for hooks: the pid of the tradectl holding the lock.
    public static let inheritVariable = "TRADECTL_LOCK_PID"

    /// Takes the lock, waiting up to `wait` (zero: fail at once) before throwing `LockHeldError`.
    public init(path: String, command: String, wait: Duration = .zero) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        // The state directory is created 0700 here, as the deploy plan would, so the plan
        // made under the lock does not have to fix its mode.
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        descriptor = try systemCall("open", path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let failure = SystemCallError(call: "flock", path: path, errno: errno)
                close(descriptor)
                throw failure
            }
            let holder = Self.describeHolder(descriptor)
            if Self.heldByAncestor(holder) {
                inherited = true
                return
            }
            if clock.now >= deadline {
                close(descriptor)
                throw LockHeldError(holder: holder)
            }
            usleep(100_000)
        }
        let started = ISO8601DateFormatter().string(from: Date())
        let info = "pid=\(getpid()) command=\"\(command)\" since=\(started)\n"
        ftruncate(descriptor, 0)
        _ = info.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        fsync(descriptor)
    }

    deinit {
        if !inherited {
            ftruncate(descriptor, 0)
            flock(descriptor, LOCK_UN)
        }
        close(descriptor)
    }

    /// The holder named in the lock file is the pid in `TRADECTL_LOCK_PID` and one of our ancestors.
    static func heldByAncestor(_ holder: String) -> Bool {
        guard let variable = ProcessInfo.processInfo.environment[inheritVariable], let pid = Int32(variable),
            holder.hasPrefix("pid=\(pid) ")
        else { return false }
        var current = getppid()
        for _ in 0..<32 {
            if current == pid { return true }
            guard current > 1, let parent = parentOf(current) else { return false }
            current = parent
        }
        return false
    }

    private static func parentOf(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    private static func describeHolder(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "holder unknown" : trimmed
    }
}
