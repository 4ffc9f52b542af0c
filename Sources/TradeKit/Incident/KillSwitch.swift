import Foundation

/// The content of the kill-switch flag file: one line, `<reason> (halted by <user> at <ISO time>)`.
///
/// One line, so `status` and the `kill-switch` health check show it as it is; an engine only
/// needs the file's existence (its path is in `TRADECTL_KILL_SWITCH`). A file written by hand
/// (`echo "broker down" > KILL`) is read as a reason with no user or time.
public struct KillSwitchFlag: Sendable, Equatable {
    public var reason: String
    public var by: String?
    public var at: Date?

    public init(reason: String, by: String?, at: Date?) {
        self.reason = reason
        self.by = by
        self.at = at
    }

    /// The file's bytes: the line and a newline.
    public var text: String {
        let stamp = by.map { by in "halted by \(by)" + (at.map { " at \(Self.format($0))" } ?? "") }
        switch (reason.isEmpty, stamp) {
        case (_, nil): return reason + "\n"
        case (true, let stamp?): return stamp + "\n"
        case (false, let stamp?): return "\(reason) (\(stamp))\n"
        }
    }

    public static func parse(_ text: String) -> KillSwitchFlag {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let stamp = parseStamp(Substring(line)) { return KillSwitchFlag(reason: "", by: stamp.by, at: stamp.at) }
        if line.hasSuffix(")"), let open = line.range(of: " (halted by ", options: .backwards),
            let stamp = parseStamp(line[line.index(open.lowerBound, offsetBy: 2)..<line.index(before: line.endIndex)])
        {
            return KillSwitchFlag(reason: String(line[..<open.lowerBound]), by: stamp.by, at: stamp.at)
        }
        return KillSwitchFlag(reason: line, by: nil, at: nil)
    }

    /// `halted by USER at TIME` or `halted by USER`.
    private static func parseStamp(_ text: Substring) -> (by: String, at: Date?)? {
        guard text.hasPrefix("halted by ") else { return nil }
        let rest = text.dropFirst("halted by ".count)
        let parts = rest.components(separatedBy: " at ")
        guard let user = parts.first, !user.isEmpty, !user.contains(" "), parts.count <= 2 else { return nil }
        if parts.count == 1 { return (user, nil) }
        guard let date = ISO8601DateFormatter().date(from: parts[1]) else { return nil }
        return (user, date)
    }

    static func format(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// Why a reason cannot go into the one-line flag file, or nil.
    public static func problem(inReason reason: String) -> String? {
        if reason.count > 500 { return "is longer than 500 characters" }
        if reason.unicodeScalars.contains(where: {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}"
        }) {
            return "must be one line without control characters"
        }
        return nil
    }
}

/// The kill switch of a deployment: whether it is engaged, and which units it holds.
///
/// Library callers (the monitor, the runbook runner) ask `KillSwitch(deployment).state(fileSystem)`:
/// nil when trading may run, the flag when it is halted.
public struct KillSwitch: Sendable {
    public var deployment: Deployment

    public init(_ deployment: Deployment) { self.deployment = deployment }

    public var file: String { deployment.killSwitch.file }

    /// The flag when the file exists (engaged), nil otherwise.
    public func state(_ fileSystem: FileSystem) -> KillSwitchFlag? {
        guard fileSystem.info(file) != nil else { return nil }
        return KillSwitchFlag.parse(fileSystem.read(file).map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    public func isEngaged(_ fileSystem: FileSystem) -> Bool { fileSystem.info(file) != nil }

    /// The units of the kill-switch components, as deploy installs them.
    public var units: HeldUnits {
        var held = HeldUnits()
        let project = deployment.project.name
        for component in deployment.components where deployment.killSwitch.components.contains(component.name) {
            switch component.kind {
            case .service:
                held.services.append(UnitNames.service(project, component.name))
                held.startable.append(UnitNames.service(project, component.name))
                if component.hasScheduledRestart {
                    // The daily restart would start a halted engine: its timer is held too.
                    held.timers.append(UnitNames.restartTimer(project, component.name))
                    held.startable.append(UnitNames.restartTimer(project, component.name))
                    held.services.append(UnitNames.restartService(project, component.name))
                }
            case .oneshot:
                held.timers.append(UnitNames.timer(project, component.name))
                held.startable.append(UnitNames.timer(project, component.name))
                held.services.append(UnitNames.service(project, component.name))
            }
        }
        return held
    }

    /// Units halt stops and resume starts.
    public struct HeldUnits: Sendable, Equatable {
        /// Timers: stopped first, so none fires while services stop.
        public var timers: [String] = []
        /// Services, including timer-triggered ones (stopped when running; never started directly).
        public var services: [String] = []
        /// What resume starts: long-running services and timers.
        public var startable: [String] = []

        public var all: [String] { timers + services }
    }
}
