import Foundation
import GRDB

/// A database the engine needs: exists, `PRAGMA quick_check`, journal mode, writable, size.
public struct SQLiteCheck: Check {
    public let kind = CheckKind.sqlite
    public var timeout: Duration
    public var target: String
    /// Path on this host.
    public var path: String
    public var expectWAL: Bool
    /// Missing is OK ("not created yet"): no archive ever held it and no service owns it.
    public var mayNotExistYet = false

    public func run() async -> [CheckResult] {
        let (path, target, name, expectWAL) = (self.path, self.target, self.name, self.expectWAL)
        if mayNotExistYet, !FileManager.default.fileExists(atPath: path) {
            return [
                .init(check: name, target: target, status: .ok, summary: "not created yet (no archive has held it)")
            ]
        }
        return [await blocking { Self.inspect(path: path, target: target, name: name, expectWAL: expectWAL) }]
    }

    static func inspect(path: String, target: String, name: String, expectWAL: Bool) -> CheckResult {
        guard FileManager.default.fileExists(atPath: path) else {
            return .init(check: name, target: target, status: .critical, summary: "\(path) does not exist")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let metrics = [Metric("\(target)_db_size", Double(size), unit: "B", min: 0)]
        do {
            // A survey connection: it leaves no -wal/-shm behind that the engine did not have.
            let queue = try SurveyConnection.open(path, busyTimeout: 2)
            defer { try? queue.close() }
            let (check, mode) = try queue.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "",
                    try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
                )
            }
            guard check == "ok" else {
                return .init(
                    check: name, target: target, status: .critical, summary: "quick_check: \(check)", metrics: metrics)
            }
            if access(path, W_OK) != 0 {
                return .init(
                    check: name, target: target, status: .critical, summary: "\(path) is not writable", metrics: metrics
                )
            }
            if expectWAL && mode != "wal" {
                return .init(
                    check: name, target: target, status: .warning, summary: "journal mode is \(mode), expected wal",
                    metrics: metrics)
            }
            return .init(
                check: name, target: target, status: .ok,
                summary: "quick_check ok, \(mode), \(BackupOutput.size(size))", metrics: metrics)
        } catch {
            return .init(
                check: name, target: target, status: .critical, summary: "cannot open: \(error)", metrics: metrics)
        }
    }
}
