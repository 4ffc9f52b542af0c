import Foundation
import Testing

@testable import TradeKit

@Suite("Audit log")
struct AuditTests {
    @Test("recordAudit appends rows; since filters by time; order is the order written")
    func recordAndQuery() throws {
        let dir = TempDir()
        let store = try StateStore(path: "\(dir.path)/state.db")
        let now = Date()
        try store.recordAudit(
            AuditEntry(
                at: now.addingTimeInterval(-10 * 86_400), user: "alice", pid: 1, command: "deploy",
                result: "success: 3 changes"))
        try store.recordAudit(
            AuditEntry(command: "runbook engine-down step 2: systemctl restart v6-trading", result: "exit 0"))
        let all = try store.auditEntries()
        #expect(all.map(\.command) == ["deploy", "runbook engine-down step 2: systemctl restart v6-trading"])
        #expect(all.last?.pid == getpid())
        #expect(all.last?.user == ProcessInfo.processInfo.userName)
        let recent = try store.auditEntries(since: now.addingTimeInterval(-7 * 86_400))
        #expect(recent.map(\.result) == ["exit 0"])
    }

    @Test("the table shows one line per entry; multi-line results are cut to their first line")
    func table() {
        let at = Date(timeIntervalSince1970: 1_795_000_000)
        let text = AuditOutput.table([
            AuditEntry(at: at, user: "alice", pid: 42, command: "halt: broker down", result: "success: 2 changes"),
            AuditEntry(
                at: at, user: "bob", pid: 7, command: "update", result: "failed: health gate\nlast journal lines"),
        ])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("2026-11-18T11:06:40Z  alice  42 "))
        #expect(lines[2].hasSuffix("failed: health gate …"))
        #expect(AuditOutput.table([]) == "no audit entries\n")
    }

    @Test("audit through the binary: backup, restore and deploy rows; --since 7d; --json; no state DB is never created")
    func throughBinary() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup", "--quiet"]).status == 0)
        #expect(try fixture.tradectl(["restore", "latest", "--yes"]).status == 0)
        let store = try StateStore(path: "\(fixture.root)/var/lib/tradectl/demo/state.db")
        try store.recordAudit(
            AuditEntry(
                at: Date().addingTimeInterval(-30 * 86_400), user: "old", pid: 1, command: "ancient", result: "success")
        )

        let all = try fixture.tradectl(["audit", "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        let commands = rows.compactMap { $0["command"] as? String }
        #expect(commands.contains("deploy"))
        #expect(commands.filter { $0 == "backup" }.count >= 1, "\(commands)")
        #expect(commands.contains { $0.hasPrefix("restore ") }, "\(commands)")
        #expect(commands.contains("ancient"))
        #expect(
            rows.allSatisfy { $0["at"] is String && $0["user"] is String && $0["pid"] is Int && $0["result"] is String }
        )

        let week = try fixture.tradectl(["audit", "--since", "7d"])
        #expect(week.status == 0)
        #expect(!week.stdout.contains("ancient") && week.stdout.contains("backup"), "\(week.stdout)")
        #expect(try fixture.tradectl(["audit", "--since", "yesterday-ish"]).status == 64)

        let fresh = TempDir()
        let empty = try runTradectl(["audit", "--config", Repo.example("v6"), "--root", fresh.path])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout == "no audit entries\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh.path).isEmpty)
    }

    @Test("every new command has --help with examples")
    func help() throws {
        for command in [
            ["halt"], ["resume"], ["db", "check"], ["db", "vacuum"], ["secrets", "set"], ["secrets", "list"], ["audit"],
        ] {
            let result = try runTradectl(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("Examples:"), "\(command): \(result.stdout)")
        }
    }
}
