import Foundation
import Testing

@testable import TradeKit

/// Every shipped runbook (and every example project's own) must parse and must rehearse
/// end to end through the real binary, so runbooks cannot rot as commands change.
@Suite("Shipped runbooks")
struct ShippedRunbookTests {
    /// Each runbook file with the example whose config it is rehearsed against: shipped
    /// runbooks against v6 (the richest example), an example's own against that example.
    static var files: [(path: String, example: String)] {
        // host-lost recovers onto an empty host from an off-site copy: rehearsed in its own
        // test against a real S3 server (OffsiteServerTests), not against a deployed example.
        var files = markdown(in: "\(Repo.root)/runbooks").filter { !$0.hasSuffix("/host-lost.md") }.map { ($0, "v6") }
        for example in Repo.examples {
            files += markdown(in: "\(Repo.root)/examples/\(example)/runbooks").map { ($0, example) }
        }
        return files
    }

    static func markdown(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted().map { "\(directory)/\($0)" }
    }

    @Test("every runbook file parses without an error or warning")
    func everyRunbookParses() throws {
        #expect(Self.files.count >= 21)
        for (path, _) in Self.files {
            let (runbook, issues) = RunbookParser().parse(file: path)
            #expect(runbook != nil && issues.isEmpty, "\(issues.map(\.description).joined(separator: "\n"))")
        }
    }

    @Test("the example in docs/runbooks.md is a valid runbook")
    func documentedExample() throws {
        let doc = try String(contentsOfFile: "\(Repo.root)/docs/runbooks.md", encoding: .utf8)
        let start = try #require(doc.range(of: "````markdown\n"))
        let end = try #require(doc.range(of: "\n````\n", range: start.upperBound..<doc.endIndex))
        let (runbook, issues) = RunbookParser().parse(
            text: String(doc[start.upperBound..<end.lowerBound]), path: "/doc/dashboard-down.md")
        #expect(issues.isEmpty, "\(issues)")
        #expect(runbook?.steps.map(\.kind) == [.check, .action, .check])
    }

    @Test("the binary lists every shipped runbook; v6's own api-key-compromised overrides the shipped one")
    func listed() throws {
        let result = try runTradectl(["runbook", "list", "--json", "--config", Repo.example("v6")])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let runbooks = try #require(document["runbooks"] as? [[String: Any]])
        let ids = Set(runbooks.compactMap { $0["id"] as? String })
        let expected = Set(
            Self.markdown(in: "\(Repo.root)/runbooks").map {
                ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".md", with: "")
            })
        #expect(ids == expected)
        let override = try #require(runbooks.first { $0["id"] as? String == "api-key-compromised" })
        #expect(override["source"] as? String == "project")
        #expect((override["path"] as? String)?.hasSuffix("examples/v6/runbooks/api-key-compromised.md") == true)
        #expect((override["overrides"] as? String)?.hasSuffix("/runbooks/api-key-compromised.md") == true)
        let issues = try #require(document["issues"] as? [[String: Any]])
        #expect(
            issues.allSatisfy { $0["severity"] as? String == "warning" && $0["unavailable_command"] is String },
            "\(issues)")
    }

    @Test("every runbook dry-runs end to end through the binary against a deployed example, and changes nothing")
    func everyRunbookDryRuns() throws {
        var fixtures: [String: RunbookFixture] = [:]
        #expect(try Self.unavailableCommands().isEmpty, "every command a runbook uses exists in this build")
        for (path, example) in Self.files {
            let fixture = try fixtures[example] ?? RunbookFixture(example: example)
            fixtures[example] = fixture
            let runbook = try #require(RunbookParser().parse(file: path).runbook)
            let result = try runTradectl(
                ["runbook", "run", path, "--dry-run", "--config", fixture.config, "--root", fixture.root])
            #expect(result.status == 0, "\(path): dry run failed\n\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("dry run completed"), "\(path)\n\(result.stdout)")
        }
        for fixture in fixtures.values { try fixture.expectUnchanged() }
    }

    /// The commands the binary itself says it lacks (`runbook list --json`, `unavailable_command`).
    static func unavailableCommands() throws -> Set<String> {
        let result = try runTradectl(["runbook", "list", "--json", "--config", Repo.example("v6")])
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let issues = document?["issues"] as? [[String: Any]] ?? []
        return Set(issues.compactMap { $0["unavailable_command"] as? String })
    }
}

/// An example deployed offline under a temp root twice (two releases, so `rollback` has a
/// target), with its databases created and one backup taken (so `backup verify latest` and
/// `restore latest --dry-run` have an archive): every runbook step has something to look at.
final class RunbookFixture {
    let dir = TempDir("tradectl-runbooks")
    let config: String
    let deployment: Deployment
    private let archives: [String]
    var root: String { "\(dir.path)/root" }

    init(example: String) throws {
        config = Repo.example(example)
        deployment = try ConfigLoader(environment: [:]).load(path: config).0
        for version in ["r1", "r2"] {
            let deploy = try runTradectl([
                "deploy", "--version", version, "--config", config, "--root", "\(dir.path)/root",
            ])
            try #require(deploy.status == 0, "\(deploy.stderr)")
        }
        for database in deployment.backup.databases {
            let path = "\(dir.path)/root\(deployment.project.root)/shared/\(database)"
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = try sqlite(
                path, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS fixture (x); INSERT INTO fixture VALUES (1);"
            )
        }
        let backup = try runTradectl(["backup", "--config", config, "--root", "\(dir.path)/root"])
        try #require(backup.status == 0, "\(backup.stderr)")
        archives = Self.list("\(dir.path)/root\(deployment.backup.dir)")
    }

    /// Dry runs left the release, the archives and the kill switch as they were.
    func expectUnchanged() throws {
        let current = try FileManager.default.destinationOfSymbolicLink(
            atPath: "\(root)\(deployment.project.root)/current")
        #expect(current == "releases/r2")
        #expect(Self.list("\(root)\(deployment.backup.dir)") == archives)
        #expect(!FileManager.default.fileExists(atPath: "\(root)\(deployment.killSwitch.file)"))
    }

    static func list(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}
