import Foundation

/// Whether another process holds the project lock, without ever taking it.
///
/// Trying the flock (even shared, even for a moment) could make a deploy starting at that
/// instant fail with exit 75; /proc/locks lists every flock with its file's device and
/// inode, so reading it is race-free for the deployer.
public enum LockSurvey {
    /// The holder line of the lock file (`pid=… command="deploy" since=…`) when held, else nil.
    public static func holder(of path: String, locks: String? = nil) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        guard let table = locks ?? (try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) else { return nil }
        let inode = UInt64(info.st_ino)
        let major = UInt64(info.st_dev >> 8) & 0xfff
        let minor = (UInt64(info.st_dev) & 0xff) | ((UInt64(info.st_dev) >> 12) & 0xfff00)
        let held = table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters are "-> FLOCK …".
            guard fields.count >= 6, fields[1] == "FLOCK", !line.contains("->") else { return false }
            let id = fields[5].split(separator: ":")
            guard id.count == 3, UInt64(id[2]) == inode,
                let lockMajor = UInt64(id[0], radix: 16), let lockMinor = UInt64(id[1], radix: 16)
            else { return false }
            return lockMajor == major && lockMinor == minor
        }
        guard held else { return nil }
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return text?.isEmpty == false ? text : "holder unknown"
    }
}
