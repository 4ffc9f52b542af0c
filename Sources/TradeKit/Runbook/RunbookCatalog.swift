import Foundation

/// A directory runbooks are read from, and why it is searched.
public struct RunbookDirectory: Sendable, Equatable, Codable {
    public enum Origin: String, Sendable, Codable {
        /// Listed in `[runbooks] dirs`.
        case config
        /// `runbooks/` next to the config file.
        case project
        /// The administrator's machine-wide runbooks, `/etc/tradectl/runbooks`.
        case system
        /// Shipped with tradectl: `/usr/share/tradectl/runbooks`, or next to the binary (development).
        case shipped
    }

    public var path: String
    public var origin: Origin

    public init(path: String, origin: Origin) {
        self.path = path
        self.origin = origin
    }

    /// The search order: `[runbooks] dirs`, `<config dir>/runbooks`, `/etc/tradectl/runbooks`,
    /// `/usr/share/tradectl/runbooks`, then the runbooks next to the binary (a development build).
    /// Earlier directories win, so a project runbook overrides a shipped one with the same id.
    /// Machine-wide directories that do not exist are left out; configured ones stay (and are
    /// reported missing). A directory reached twice is searched once.
    public static func searchPath(
        configured: [String], configDirectory: String?, executable: String, system: SystemDirectories = .standard
    ) -> [RunbookDirectory] {
        var result: [RunbookDirectory] = configured.map { .init(path: $0, origin: .config) }
        if let configDirectory { result.append(.init(path: "\(configDirectory)/runbooks", origin: .project)) }
        let machine: [RunbookDirectory] = [
            .init(path: "\(system.overrides)/runbooks", origin: .system),
            .init(path: "\(system.shipped)/runbooks", origin: .shipped),
        ]
        result += machine.filter { SystemDirectories.isDirectory($0.path) }
        if let shipped = shippedDirectory(executable: executable) {
            result.append(.init(path: shipped, origin: .shipped))
        }
        var seen: Set<String> = []
        return result.filter { seen.insert(SystemDirectories.canonical($0.path)).inserted }
    }

    /// The runbooks next to the binary: `<prefix>/share/tradectl/runbooks` for a binary in
    /// `<prefix>/bin`, else the `runbooks/` of the source checkout a development build lives in
    /// (`.build/…/tradectl`).
    public static func shippedDirectory(executable: String) -> String? {
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let manager = FileManager.default
        for _ in 0..<6 {
            let share = directory.appendingPathComponent("share/tradectl/runbooks").path
            if isDirectory(share) { return share }
            let checkout = directory.appendingPathComponent("runbooks").path
            if isDirectory(checkout), manager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path)
            {
                return checkout
            }
            if directory.path == "/" { break }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    static func isDirectory(_ path: String) -> Bool { SystemDirectories.isDirectory(path) }
}

/// Every runbook found on the search path, with the ones overridden and every problem.
public struct RunbookCatalog: Sendable {
    public struct Entry: Sendable, Equatable {
        public var runbook: Runbook
        public var directory: RunbookDirectory
        /// The file this one hides (a shipped runbook with the same id), if any.
        public var overrides: String?
    }

    public var directories: [RunbookDirectory]
    /// Valid runbooks, one per id, sorted by severity then id.
    public var entries: [Entry]
    /// Errors and warnings of every file read, invalid ones included.
    public var issues: [RunbookIssue]
    /// Ids of files that exist but did not parse (so `show NAME` can say why, not "unknown").
    public var invalid: [String: String]

    public init(directories: [RunbookDirectory], parser: RunbookParser) {
        self.directories = directories
        var entries: [Entry] = []
        var issues: [RunbookIssue] = []
        var invalid: [String: String] = [:]
        var byID: [String: Int] = [:]
        for directory in directories {
            guard RunbookDirectory.isDirectory(directory.path) else {
                if directory.origin == .config {
                    issues.append(
                        .init(
                            .warning, file: directory.path, line: nil,
                            message: "runbook directory (runbooks.dirs) does not exist"))
                }
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted()
            where name.hasSuffix(".md") && !name.hasPrefix(".") && name.lowercased() != "readme.md" {
                let path = "\(directory.path)/\(name)"
                let id = String(name.dropLast(3))
                let (runbook, found) = parser.parse(file: path)
                issues += found
                if let index = byID[id] {
                    if entries.indices.contains(index), entries[index].overrides == nil {
                        entries[index].overrides = path
                    }
                    continue
                }
                guard let runbook else {
                    if invalid[id] == nil { invalid[id] = path }
                    byID[id] = -1
                    continue
                }
                byID[id] = entries.count
                entries.append(Entry(runbook: runbook, directory: directory, overrides: nil))
            }
        }
        self.entries = entries.sorted { ($0.runbook.severity, $0.runbook.id) < ($1.runbook.severity, $1.runbook.id) }
        self.issues = issues
        self.invalid = invalid
    }

    public func entry(_ id: String) -> Entry? { entries.first { $0.runbook.id == id } }

    public var errors: [RunbookIssue] { issues.filter { $0.severity == .error } }
}
