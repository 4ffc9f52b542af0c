import Foundation

/// Human and JSON renderings of the catalog and of verification reports.
public enum BackupOutput {
    public static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20
            ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : String(format: "%.1f KiB", Double(bytes) / 1024)
    }

    public static func table(_ entries: [CatalogEntry]) -> String {
        guard !entries.isEmpty else { return "no backups in the catalog yet\n" }
        let formatter = ISO8601DateFormatter()
        var out = "CREATED               SIZE        VERIFIED              STATUS    ARCHIVE\n"
        for entry in entries {
            let created = formatter.string(from: entry.created)
            let verified = entry.verifiedAt.map { formatter.string(from: $0) } ?? "never"
            out +=
                "\(created)  \(size(entry.size).padding(toLength: 10, withPad: " ", startingAt: 0))  "
                + "\(verified.padding(toLength: 20, withPad: " ", startingAt: 0))  "
                + "\(entry.status.padding(toLength: 8, withPad: " ", startingAt: 0))  \(entry.path)\n"
        }
        return out
    }

    public static func json(_ report: VerifyReport) -> String {
        struct Document: Encodable {
            var archive: String
            var ok: Bool
            var project: String
            var created: Date
            var files: [FileCheck]
        }
        return JSONOutput.string(
            Document(
                archive: report.archive, ok: report.ok, project: report.manifest.project,
                created: report.manifest.created, files: report.files))
    }
}
