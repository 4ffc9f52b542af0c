import Foundation

/// What the host said to `tradectl doctor`, gathered by `PreflightSurvey` (which only reads).
/// Checks that need the live host are nil, or empty, offline (`--root`). Holds no secret: of
/// an env file only which required keys are missing or empty.
public struct PreflightFacts: Sendable {
    public var offline: Bool
    public var interpreters: [Interpreter] = []
    /// MemAvailable in MiB; nil when not looked at (offline) or unreadable (`memoryDetail` says why).
    public var memoryAvailableMiB: Int?
    public var memoryDetail: String?
    public var disks: [Disk] = []
    public var envFiles: [EnvRequirement] = []
    public var ports: [Port] = []
    public var tcp: [TCPDependency] = []
    /// `NTPSynchronized`: true, false, or nil with `clockDetail` saying why it cannot tell.
    public var clockSynchronized: Bool?
    public var clockDetail: String?
    /// The running systemd's version; nil with `systemdDetail` saying why it is not known.
    public var systemdVersion: Int?
    public var systemdDetail: String?
    /// The host's IANA zone (from /etc/localtime); nil when unknown.
    public var hostTimeZone: String?

    public init(offline: Bool) { self.offline = offline }

    public struct Interpreter: Sendable, Equatable {
        public var component: String
        public var command: String
        public var constraint: String
        /// The `--version` output (stdout and stderr), or nil when the program could not be run.
        public var output: String?
        public var failure: String?
    }

    public struct Disk: Sendable, Equatable {
        public var label: String
        public var path: String
        public var freeMiB: Int?
    }

    public struct Port: Sendable, Equatable {
        public var component: String
        public var port: Int
        public var inUse: Bool
        /// Active units of this project (in use is fine when one of them holds it); nil: systemd not asked.
        public var projectUnitsActive: [String]?
    }

    public struct TCPDependency: Sendable, Equatable {
        /// The component that declares it; nil for `[preflight]`.
        public var component: String?
        public var endpoint: String
        public var reachable: Bool
        public var detail: String
    }
}

/// Which required variables an env file lacks: names only, never a value.
public struct EnvRequirement: Sendable, Equatable {
    public var component: String
    /// The file as the operator knows it (`shared/.env`).
    public var file: String
    /// The file exists (in `shared/`, or in the release source a first deploy seeds it from).
    public var exists: Bool
    public var missing: [String]
    public var empty: [String]

    public init(component: String, file: String, exists: Bool, missing: [String], empty: [String]) {
        self.component = component
        self.file = file
        self.exists = exists
        self.missing = missing
        self.empty = empty
    }

    /// Judges `text` (an env file) against `required`; the values are looked at, not kept.
    public static func judge(_ text: String, required: [String]) -> (missing: [String], empty: [String]) {
        var values: [String: Bool] = [:]  // key → non-empty (the last assignment wins, as in systemd)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            guard let key = EnvFile.key(of: line), let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = !value.isEmpty
        }
        return (required.filter { values[$0] == nil }, required.filter { values[$0] == false })
    }
}
