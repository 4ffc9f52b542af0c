import Foundation

/// Text and JSON for `tradectl db`.
public enum DatabaseOutput {
    /// `{"ok": bool, "databases": [{"name", "path", "status", "problems", "size"}]}`
    public static func json(_ report: DatabaseCheckReport) -> String { JSONOutput.string(report) }

    /// `{"databases": [{"name", "path", "task", "outcome", "detail", "size_before", "size_after", "duration_ms"}]}`
    public static func json(_ results: [SQLiteResult]) -> String {
        JSONOutput.string(["databases": results])
    }

    public static func text(_ report: DatabaseCheckReport) -> String {
        guard !report.databases.isEmpty else { return "no databases are configured (backup.databases)\n" }
        var out = ""
        let width = report.databases.map(\.name.count).max() ?? 0
        for entry in report.databases {
            let label = entry.status == .ok ? "ok" : entry.status.rawValue.uppercased()
            let detail = entry.status == .ok ? "integrity_check ok" : entry.problems.first ?? ""
            out +=
                "\(label.padded(8)) \(entry.name.padded(width))  \(BackupOutput.size(entry.size).padded(9))  \(detail)\n"
            for problem in entry.problems.dropFirst().prefix(9) {
                out += "         \("".padded(width))  \("".padded(9))  \(problem)\n"
            }
            if entry.problems.count > 10 { out += "         … \(entry.problems.count - 10) more (see --json)\n" }
        }
        let bad = report.databases.filter { $0.status != .ok }.count
        out +=
            bad == 0
            ? "\(report.databases.count) database\(report.databases.count == 1 ? "" : "s"): all ok\n"
            : "\(bad) of \(report.databases.count) database\(report.databases.count == 1 ? "" : "s") with problems\n"
        return out
    }

    public static func text(_ results: [SQLiteResult]) -> String {
        var out = ""
        for result in results {
            switch result.outcome {
            case .ok:
                out +=
                    "ok       \(result.name): \(BackupOutput.size(result.sizeBefore)) → \(BackupOutput.size(result.sizeAfter)) "
                    + "in \(result.durationMilliseconds) ms (\(result.detail))\n"
            default:
                out += "\(result.outcome.rawValue.uppercased().padded(8)) \(result.name): \(result.detail)\n"
            }
        }
        return out
    }
}
