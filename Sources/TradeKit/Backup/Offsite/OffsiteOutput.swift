import Foundation

/// Human and JSON renderings of off-site listings and steps.
public enum OffsiteOutput {
    /// One off-site step as `backup push --json` prints it.
    public struct Row: Sendable, Encodable {
        public var operation: String
        public var archive: String
        public var ok: Bool
        public var detail: String?
        public var size: Int?

        public init(_ result: OffsiteResult) {
            operation = result.operation.rawValue
            archive = result.name
            ok = result.ok
            detail = result.detail
            size = result.size
        }
    }

    public static func table(_ rows: [RemoteListing]) -> String {
        guard !rows.isEmpty else { return "the off-site target holds no archive\n" }
        let formatter = ISO8601DateFormatter()
        var out = "SIZE        STATUS      UPLOADED              VERIFIED              ARCHIVE\n"
        for row in rows {
            let status = row.onRemote ? row.copy?.status ?? "unknown" : "missing"
            let uploaded = row.copy?.uploadedAt.map { formatter.string(from: $0) } ?? "-"
            let verified = row.copy?.verifiedAt.map { formatter.string(from: $0) } ?? "never"
            out +=
                "\(BackupOutput.size(row.size).padding(toLength: 10, withPad: " ", startingAt: 0))  "
                + "\(status.padding(toLength: 10, withPad: " ", startingAt: 0))  "
                + "\(uploaded.padding(toLength: 20, withPad: " ", startingAt: 0))  "
                + "\(verified.padding(toLength: 20, withPad: " ", startingAt: 0))  \(row.name)\n"
        }
        return out
    }
}
