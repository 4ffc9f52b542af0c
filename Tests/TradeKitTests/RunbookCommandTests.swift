import Foundation
import Testing

@testable import TradeKit

/// A project in a temp dir: a minimal config with `[runbooks] dirs = ["mine"]`, an offline root.
struct RunbookProject {
    let dir = TempDir("tradectl-runbook-cli")
    let config: String
    var root: String { "\(dir.path)/root" }

    init() {
        _ = dir.write("src/engine.py", "print('engine')\n")
        config = dir.write(
            "tradectl.toml", minimalConfig(source: "\(dir.path)/src", extra: "\n[runbooks]\ndirs = [\"mine\"]\n"))
    }

    func runbook(_ id: String, title: String = "Test runbook", _ body: String) -> String {
        dir.write(
            "mine/\(id).md",
            "---\nid: \(id)\ntitle: \(title)\nseverity: low\nsymptoms:\n  - a test\nwhen: in tests\n---\n" + body)
    }

    func tradectl(_ arguments: [String]) throws -> CLIResult {
        try runTradectl(arguments + ["--config", config, "--root", root])
    }

    var auditRows: String {
        get throws { try sqlite("\(root)/opt/demo/state/state.db", "SELECT command, result FROM audit ORDER BY id") }
    }
}

@Suite("runbook command")
struct RunbookCommandTests {
    @Test("run refuses without a terminal and without --yes: exit 64 and the way out")
    func needsTerminalOrYes() throws {
        let project = RunbookProject()
        _ = project.runbook("quick", "```tradectl\ntradectl releases\n```\n")
        let result = try project.tradectl(["runbook", "run", "quick"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("pass --yes"), "\(result.stderr)")
        #expect(result.stderr.contains("--dry-run"))
    }

    @Test("a real run with --yes runs each step as a child, ends resolved at a passing check, and audits every step")
    func resolvedRunIsAudited() throws {
        let project = RunbookProject()
        _ = project.runbook(
            "quick",
            """
            ```tradectl
            tradectl config check
            ```

            ```tradectl check
            tradectl health --check kill-switch
            ```

            ```tradectl
            tradectl backup
            ```
            """)
        let result = try project.tradectl(["runbook", "run", "quick", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("valid"), "the child's own output is shown")
        #expect(result.stdout.contains("runbook quick: resolved at step 2"))
        #expect(!FileManager.default.fileExists(atPath: "\(project.root)/opt/demo/backups"), "step 3 never ran")
        #expect(
            try project.auditRows == """
                runbook run quick|started at step 1 of 3
                runbook quick step 1: tradectl config check|exit 0
                runbook quick step 2: tradectl health --check kill-switch|exit 0 (resolved)
                runbook run quick|resolved at step 2
                """)
    }

    @Test("a failing step stops the run: exit 1, the runbook's advice, and the --from to resume")
    func failureStops() throws {
        let project = RunbookProject()
        _ = project.runbook(
            "verify",
            """
            ```tradectl
            tradectl backup verify latest
            ```

            If this fails: take a backup first.

            ```tradectl
            tradectl releases
            ```
            """)
        let result = try project.tradectl(["runbook", "run", "verify", "--yes"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("runbook verify: failed at step 1 (exit 65)"), "\(result.stderr)")
        #expect(result.stderr.contains("next: take a backup first."))
        #expect(
            result.stderr.contains(
                "tradectl runbook run verify --from 1 --config \(project.config) --root \(project.root)"))
        #expect(result.stderr.contains("tradectl runbook run verify --from 2"))
        #expect(!result.stdout.contains("$ tradectl releases"))
        #expect(try project.auditRows.hasSuffix("runbook run verify|failed at step 1 (exit 65)"))
    }

    @Test("a project runbook with a shipped id overrides it; list marks it and show prints it")
    func projectOverridesShipped() throws {
        let project = RunbookProject()
        _ = project.runbook("engine-down", title: "Our engine is down", "```tradectl\ntradectl status\n```\n")
        let list = try project.tradectl(["runbook", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("Our engine is down  [project, overrides shipped]"))
        #expect(list.stdout.contains("morning-checklist"), "shipped runbooks are still listed")
        let show = try project.tradectl(["runbook", "show", "engine-down"])
        #expect(show.status == 0)
        #expect(show.stdout.hasPrefix("Our engine is down  [low]"))
        #expect(show.stdout.contains("$ tradectl status"))
    }

    @Test("an invalid runbook is reported with file:line by list, show and run, which exit 65")
    func invalidRunbook() throws {
        let project = RunbookProject()
        let path = project.runbook("broken", "Prose.\n\n```tradectl\ntradectl status\ntradectl health\n```\n")
        let expected = "\(path):13: one command per ```tradectl block"
        for arguments in [
            ["runbook", "list"], ["runbook", "show", "broken"], ["runbook", "run", "broken", "--dry-run"],
        ] {
            let result = try project.tradectl(arguments)
            #expect(result.status == 65, "\(arguments)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        let unknown = try project.tradectl(["runbook", "show", "no-such-runbook"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("tradectl runbook list"))
    }

    @Test("steps are checked with tradectl's own argument parser before anything runs")
    func argumentsChecked() throws {
        let project = RunbookProject()
        let path = project.runbook(
            "typo", "```tradectl\ntradectl status\n```\n\n```tradectl\ntradectl health --chek unit\n```\n")
        let result = try project.tradectl(["runbook", "run", "typo", "--yes"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path):14: tradectl would refuse this step"), "\(result.stderr)")
        #expect(!result.stdout.contains("$ tradectl status"), "nothing ran")
    }

    @Test("--from past the last step is a usage error; --help shows examples")
    func usage() throws {
        let project = RunbookProject()
        _ = project.runbook("quick", "```tradectl\ntradectl releases\n```\n")
        #expect(try project.tradectl(["runbook", "run", "quick", "--dry-run", "--from", "2"]).status == 64)
        #expect(try project.tradectl(["runbook", "run", "quick", "--dry-run", "--from", "0"]).status == 64)
        let help = try runTradectl(["runbook", "--help"])
        #expect(help.stdout.contains("tradectl runbook run engine-down --dry-run"))
        #expect(help.stdout.contains("tradectl runbook run failed-deploy --from 3"))
        let runHelp = try runTradectl(["runbook", "run", "--help"])
        #expect(runHelp.stdout.contains("--from <from>"))
        #expect(runHelp.stdout.contains("--yes"))
    }

    @Test("[runbooks] is checked like every section: type errors and unknown keys with file and line")
    func configSection() throws {
        let dir = TempDir()
        for (extra, message) in [
            ("\n[runbooks]\ndirs = \"mine\"\n", "runbooks.dirs: must be a list of strings"),
            ("\n[runbooks]\ndir = [\"mine\"]\n", "runbooks.dir: unknown key"),
        ] {
            let config = dir.write("tradectl.toml", minimalConfig(source: dir.path, extra: extra))
            let result = try runTradectl(["config", "check", "--config", config])
            #expect(result.status == 65)
            let line = minimalConfig(source: dir.path, extra: extra).split(
                separator: "\n", omittingEmptySubsequences: false
            )
            .firstIndex { $0.hasPrefix("dir") && $0.contains("mine") }.map { $0 + 1 }
            #expect(result.stdout.contains("\(config):\(line ?? 0): \(message)"), "\(result.stdout)")
        }
        let config = dir.write(
            "tradectl.toml", minimalConfig(source: dir.path, extra: "\n[runbooks]\ndirs = [\"mine\", \"/srv/rb\"]\n"))
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: config)
        #expect(deployment.runbooks.dirs == ["\(dir.path)/mine", "/srv/rb"])
    }
}

@Suite("Runbook search path")
struct RunbookSearchPathTests {
    @Test("[runbooks] dirs, then <config dir>/runbooks, then the shipped ones; duplicates once")
    func order() {
        let dir = TempDir()
        _ = dir.write("prefix/bin/tradectl", "", mode: 0o755)
        _ = dir.write("prefix/share/tradectl/runbooks/a.md", "")
        let search = RunbookDirectory.searchPath(
            configured: ["\(dir.path)/mine", "\(dir.path)/etc/runbooks"], configDirectory: "\(dir.path)/etc",
            executable: "\(dir.path)/prefix/bin/tradectl")
        #expect(
            search == [
                .init(path: "\(dir.path)/mine", origin: .config),
                .init(path: "\(dir.path)/etc/runbooks", origin: .config),
                .init(path: "\(dir.path)/prefix/share/tradectl/runbooks", origin: .shipped),
            ])
    }

    @Test("a development build finds the runbooks of its checkout")
    func checkout() {
        let dir = TempDir()
        _ = dir.write("repo/Package.swift", "")
        _ = dir.write("repo/runbooks/a.md", "")
        _ = dir.write("repo/.build/x86_64-unknown-linux-gnu/debug/tradectl", "", mode: 0o755)
        let shipped = RunbookDirectory.shippedDirectory(
            executable: "\(dir.path)/repo/.build/x86_64-unknown-linux-gnu/debug/tradectl")
        #expect(
            shipped.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: "\(dir.path)/repo/runbooks").resolvingSymlinksInPath().path)
    }
}
