import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether journald accepts entries right now. Reading the journal works off its files and
/// never notices that journald stopped; so `logs`, the journal health check and the monitor
/// ask here, and say so rather than show "0 errors" for a journal nothing is written to.
public enum JournaldProbe {
    public static let socketPath = "/run/systemd/journal/socket"

    /// Why journald is down, or nil when it accepts (or this machine never ran one: no
    /// `/run/systemd/journal` at all, as in a container without systemd — nothing to warn of).
    public static func down(socketPath: String = socketPath) -> String? {
        let directory = (socketPath as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: directory) else { return nil }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result != 0 else { return nil }
        return "journald is not running (\(socketPath): \(String(cString: strerror(errno))))"
    }

    /// What to do about it, for the one line that reports it.
    public static let remedy = "start it: systemctl start systemd-journald.socket systemd-journald.service"
}
