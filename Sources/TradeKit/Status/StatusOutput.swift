import Foundation

/// The one-screen text of `tradectl status`.
public enum StatusOutput {
    public static func text(_ report: StatusReport, now: Date = Date()) -> String {
        var out = "\(report.project) (\(report.environment), \(report.scope) scope)\n"
        if let release = report.release {
            let when = release.deployedAt.map { " deployed \(ago($0, now)) ago" } ?? ""
            out += "release     \(release.version)\(when)\(release.deployedBy.map { " by \($0)" } ?? "")\n"
        } else {
            out += "release     none (run tradectl deploy)\n"
        }
        if let error = report.systemdError { out += "systemd     unreachable: \(error)\n" }
        out += "\nCOMPONENT        STATE                             SINCE     RESTARTS  PID      MEMORY    TIMER\n"
        for component in report.components {
            let since = component.since.map { ago($0, now) } ?? "-"
            let memory = component.memoryBytes.map { BackupOutput.size($0) } ?? "-"
            var timer = ""
            if component.kind == "oneshot" {
                let last = component.lastRun.map { "last \(ago($0, now)) ago" } ?? "never run"
                let next = component.nextRun.map { "next in \(ago(now, $0))" } ?? "no next run"
                timer = "\(last)\(component.lastResult.map { " (\($0))" } ?? ""), \(next)"
            }
            out +=
                component.name.padded(16) + " " + component.state.padded(33) + " " + since.padded(9) + " "
                + "\(component.restarts)".padded(9) + " "
                + (component.mainPID > 0 ? "\(component.mainPID)" : "-").padded(8) + " "
                + memory.padded(9) + " " + timer + "\n"
        }
        out += "\nkill switch \(report.killSwitch.map { "ENGAGED: \($0)" } ?? "off")\n"
        if let market = report.market { out += "market      \(market.text)\n" }
        if let backup = report.lastBackup {
            let verified = backup.verifiedAt.map { "verified \(ago($0, now)) ago" } ?? "never verified"
            out += "last backup \(ago(backup.created, now)) ago, \(BackupOutput.size(backup.size)), \(verified)\n"
        } else {
            out += "last backup none\n"
        }
        if let health = report.lastHealth {
            out += "last health \(health.status) \(ago(health.at, now)) ago\n"
        } else {
            out += "last health never run\n"
        }
        if !report.recentErrors.isEmpty {
            out += "\nrecent errors:\n" + report.recentErrors.map { "  \($0)\n" }.joined()
        }
        return out
    }

    /// `3d4h`, `12min`, `40s` between two instants.
    static func ago(_ date: Date, _ now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)min"
        case ..<86_400: return "\(seconds / 3600)h\(seconds % 3600 / 60)min"
        default: return "\(seconds / 86_400)d\(seconds % 86_400 / 3600)h"
        }
    }
}
