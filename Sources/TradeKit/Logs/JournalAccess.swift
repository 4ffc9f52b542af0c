import Foundation

/// The journal cannot be opened or read; `tradectl logs` exits 69 with this message rather
/// than report "0 entries" for logs it could not see.
public struct JournalUnavailable: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { "journal unavailable: \(detail)" }
}

/// Opens the journal for `tradectl logs` and refuses a journal it could only partly read.
enum JournalAccess {
    static let hint = "run as root, or add the user to the systemd-journal group"

    /// sd-journal silently skips files it may not read, so a non-root user asking for a
    /// system-scope project would see nothing and believe the units were quiet. Refuse:
    /// no file opened at all, or (system scope) a system journal file unreadable.
    static func open(_ source: JournalSource, scope: Scope) throws -> JournalReader {
        let reader: JournalReader
        let place: String
        do {
            switch source {
            case .local:
                place = "/run/log/journal, /var/log/journal"
                reader = try JournalReader()
            case .osRoot(let root):
                place = "\(root)/run/log/journal, \(root)/var/log/journal"
                reader = try JournalReader(directory: root, osRoot: true)
            case .directory(let directory):
                place = directory
                reader = try JournalReader(directory: directory)
            }
            guard try reader.usage() > 0 else {
                throw JournalUnavailable(
                    detail: "no readable journal files in \(place) (none there, or no permission: \(hint))")
            }
        } catch let error as JournalError {
            throw JournalUnavailable(detail: error.isPermissionDenied ? "\(error); \(hint)" : "\(error)")
        }
        if source == .local, scope == .system, geteuid() != 0, let path = unreadableFile() {
            throw JournalUnavailable(detail: "cannot read \(path): permission denied; \(hint)")
        }
        return reader
    }

    /// The first system journal file (system units log there) this process may not read.
    static func unreadableFile(roots: [String] = ["/run/log/journal", "/var/log/journal"]) -> String? {
        let files = FileManager.default
        for root in roots {
            for machine in (try? files.contentsOfDirectory(atPath: root)) ?? [] {
                let directory = "\(root)/\(machine)"
                for name in (try? files.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("system") {
                    let path = "\(directory)/\(name)"
                    if access(path, R_OK) != 0 { return path }
                }
            }
        }
        return nil
    }
}
