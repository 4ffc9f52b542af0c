import Foundation

/// `tradectl alerts list`: what is firing, what is flapping, which silences are in force, and
/// how close the monitor is to an auto-halt. Built from a survey: reading it writes nothing.
public struct AlertsListing: Sendable, Equatable, Codable {
    public struct Firing: Sendable, Equatable, Codable {
        public var key: String
        public var severity: Severity
        public var since: Date?
        public var ageSeconds: Int?
        public var lastNotified: Date?
        public var flapping: Bool
        public var ackedBy: String?
        public var ackedAt: Date?
        /// The active silence covering it, if any.
        public var silencedBy: Int64?

        enum CodingKeys: String, CodingKey {
            case key, severity, since, flapping
            case ageSeconds = "age_seconds"
            case lastNotified = "last_notified"
            case ackedBy = "acked_by"
            case ackedAt = "acked_at"
            case silencedBy = "silenced_by"
        }
    }

    public struct ActiveSilence: Sendable, Equatable, Codable {
        public var id: Int64
        public var matcher: String
        public var reason: String
        public var createdBy: String
        public var createdAt: Date
        public var expiresAt: Date
        public var expiresInSeconds: Int

        enum CodingKeys: String, CodingKey {
            case id, matcher, reason
            case createdBy = "created_by"
            case createdAt = "created_at"
            case expiresAt = "expires_at"
            case expiresInSeconds = "expires_in_seconds"
        }
    }

    /// `kill_switch.auto_halt_after` and the critical alerts counted towards it.
    public struct AutoHaltProgress: Sendable, Equatable, Codable {
        public var after: Int
        public var windowSeconds: Int
        public var criticals: [String]
        public var pending: Bool

        enum CodingKeys: String, CodingKey {
            case after, criticals, pending
            case windowSeconds = "window_seconds"
        }
    }

    public var firing: [Firing]
    /// Keys in a flapping episode (firing or not).
    public var flapping: [String]
    public var silences: [ActiveSilence]
    public var autoHalt: AutoHaltProgress?

    enum CodingKeys: String, CodingKey {
        case firing, flapping, silences
        case autoHalt = "auto_halt"
    }

    public init(survey: AlertsSurvey, deployment: Deployment, now: Date) {
        let mutes = AlertMutes(silences: survey.silences, acknowledgements: survey.acknowledgements)
        let states = survey.monitor.alerts
        firing = survey.firingKeys.compactMap { key in
            guard let state = states[key], let severity = state.firingSeverity else { return nil }
            let ack = mutes.acknowledgements[key].flatMap { $0.holds(for: state) ? $0 : nil }
            let check = AlertsPlanner.check(ofKey: key)
            let target = AlertsPlanner.target(ofKey: key)
            let silence = survey.silences.filter {
                $0.isActive(at: now) && $0.matches(key: key, check: check, target: target)
            }.max { $0.expiresAt < $1.expiresAt }
            return Firing(
                key: key, severity: severity, since: state.firingSince,
                ageSeconds: state.firingSince.map { Int(now.timeIntervalSince($0)) }, lastNotified: state.lastNotified,
                flapping: state.flapping, ackedBy: ack?.ackedBy, ackedAt: ack?.ackedAt, silencedBy: silence?.id)
        }
        flapping = states.filter { $0.value.flapping }.map(\.key).sorted()
        silences = survey.silences.filter { $0.isActive(at: now) }.map {
            ActiveSilence(
                id: $0.id, matcher: $0.matcher, reason: $0.reason, createdBy: $0.createdBy, createdAt: $0.createdAt,
                expiresAt: $0.expiresAt, expiresInSeconds: Int($0.expiresAt.timeIntervalSince(now).rounded(.up)))
        }
        let killSwitch = deployment.killSwitch
        if killSwitch.autoHaltAfter > 0 {
            let window = killSwitch.autoHaltWindow.seconds
            autoHalt = AutoHaltProgress(
                after: killSwitch.autoHaltAfter, windowSeconds: Int(window),
                criticals: survey.monitor.autoHalt.hits.filter { now.timeIntervalSince($0.at) < window }.map(\.key),
                pending: survey.monitor.autoHalt.pending != nil)
        }
    }

    public var json: String { JSONOutput.string(self) }

    public var text: String {
        var out = ""
        if firing.isEmpty {
            out += "nothing is firing\n"
        } else {
            let rows = firing.map { alert in
                [
                    alert.key, alert.severity.rawValue, alert.since.map(Self.time) ?? "-",
                    alert.ageSeconds.map(Self.span) ?? "-", alert.lastNotified.map(Self.time) ?? "-",
                    alert.flapping ? "yes" : "no",
                    alert.ackedBy ?? "-", alert.silencedBy.map { "#\($0)" } ?? "-",
                ]
            }
            out += Self.table(
                ["KEY", "SEVERITY", "SINCE", "AGE", "LAST NOTIFIED", "FLAPPING", "ACKED BY", "SILENCED"], rows)
        }
        if !flapping.isEmpty { out += "flapping: \(flapping.joined(separator: ", "))\n" }
        out += "\n"
        if silences.isEmpty {
            out += "no active silences\n"
        } else {
            let rows = silences.map { silence in
                [
                    "#\(silence.id)", silence.matcher, Self.span(silence.expiresInSeconds), silence.createdBy,
                    silence.reason,
                ]
            }
            out += Self.table(["ID", "MATCHER", "EXPIRES IN", "BY", "REASON"], rows)
        }
        if let autoHalt {
            out +=
                "\nauto-halt: \(autoHalt.criticals.count) of \(autoHalt.after) critical alerts in "
                + "\(Self.span(autoHalt.windowSeconds))"
                + (autoHalt.criticals.isEmpty ? "" : " (\(autoHalt.criticals.joined(separator: ", ")))")
                + (autoHalt.pending ? "; a halt is pending (retried each cycle)" : "") + "\n"
        }
        return out
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padded(widths[index])
            }.joined(separator: "  ") + "\n"
        }
        return ([header] + rows).map(line).joined()
    }

    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// `45s`, `12min`, `2h 5min`, `3d 4h`.
    static func span(_ seconds: Int) -> String {
        let seconds = max(0, seconds)
        if seconds < 60 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)min" }
        let hours = minutes / 60
        if hours < 24 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h \(minutes % 60)min" }
        return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d \(hours % 24)h"
    }
}
