import CLinux
import Foundation

/// An anonymous in-memory file, for handing bytes to a child process as its stdin.
///
/// Why not a pipe: writing into a pipe whose reader has already exited raises SIGPIPE, and
/// swift-subprocess leaves SIGPIPE to its caller, so a notification command that exits
/// without reading its input (`sh -c 'exit 3'`) would kill the monitor. A file cannot do
/// that: the child reads it, or does not, and nobody is signalled. No disk, no /tmp
/// (read-only under `ProtectSystem=strict`). The corresponding C function is `memfd_create`.
enum MemoryFile {
    /// A descriptor of a new memory file holding `data`, positioned at its start; the
    /// caller closes it.
    static func make(_ data: Data, name: String = "tradectl-input") throws -> Int32 {
        let fd = try systemCall("memfd_create", name) { tradectl_memfd(name) }
        do {
            try data.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let written = try systemCall("write", name) {
                        Int32(clamping: write(fd, base + offset, buffer.count - offset))
                    }
                    offset += Int(written)
                }
            }
            try systemCall("lseek", name) { Int32(clamping: lseek(fd, 0, SEEK_SET)) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }
}
