import Foundation
import Testing

@testable import TradeKit

/// Answers each step from a script keyed by the step as written (its arguments before the
/// passthrough `--config`, without an appended `--dry-run`); unscripted steps exit 0.
actor ScriptedExecutor: RunbookStepExecutor {
    private let script: [String: StepStatus]
    private(set) var invocations: [StepInvocation] = []

    init(_ script: [String: StepStatus] = [:]) { self.script = script }

    func execute(_ invocation: StepInvocation) async -> StepStatus {
        invocations.append(invocation)
        let key = invocation.arguments.prefix { $0 != "--config" }.filter { $0 != "--dry-run" }.joined(separator: " ")
        return script[key] ?? .exited(0)
    }

    /// The step commands run, without options.
    var commands: [String] { invocations.map { $0.arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ") } }
}

/// Collects what the runner shows and answers prompts from a list (then `run`).
final class RecordingConsole: RunbookConsole, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [StepDecision]
    private var shown = ""
    private var asked: [Int] = []

    init(answers: [StepDecision] = []) { self.answers = answers }

    func show(_ text: String) { lock.withLock { shown += text } }

    func confirm(_ step: RunbookStep, total: Int) async -> StepDecision {
        lock.withLock {
            asked.append(step.number)
            return answers.isEmpty ? .run : answers.removeFirst()
        }
    }

    var text: String { lock.withLock { shown } }
    var askedSteps: [Int] { lock.withLock { asked } }
}

/// An audit log in memory; can be told to fail.
final class MemoryAuditLog: RunbookAuditLog, @unchecked Sendable {
    struct Broken: Error, CustomStringConvertible { var description: String { "disk full" } }
    private let lock = NSLock()
    private var rows: [AuditEntry] = []
    let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    func record(_ entry: AuditEntry) throws {
        if failing { throw Broken() }
        lock.withLock { rows.append(entry) }
    }

    var entries: [AuditEntry] { lock.withLock { rows } }
}

@Suite("Runbook runner")
struct RunbookRunnerTests {
    /// check health (1) · status (2) · backup (3) · check health --check unit (4) · rollback (5)
    static let text = RunbookParserTests.withBody(
        """
        Before step 1.

        ```tradectl check
        tradectl health
        ```

        If this fails: look closer.

        Before step 2.

        ```tradectl
        tradectl status
        ```

        ```tradectl
        tradectl backup
        ```

        If this fails: free some disk, then retry.

        ```tradectl check
        tradectl health --check unit
        ```

        ```tradectl
        tradectl rollback --dry-run
        ```

        After the last step.
        """)

    static func runbook(_ text: String = text) throws -> Runbook {
        let (runbook, issues) = parseRunbook(text)
        return try #require(runbook, "\(issues)")
    }

    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    static func runner(
        _ executor: ScriptedExecutor, _ console: RecordingConsole, audit: MemoryAuditLog? = MemoryAuditLog()
    )
        -> RunbookRunner
    {
        RunbookRunner(executor: executor, console: console, audit: audit, user: "alice", pid: 4242, now: { epoch })
    }

    // MARK: - pure policy

    @Test("a dry run appends --dry-run to mutating steps only, once, before the global options")
    func invocations() throws {
        let steps = try Self.runbook().steps
        let dry = RunbookRunner.Options(dryRun: true, passthrough: ["--config", "/etc/t.toml", "--root", "/r"])
        #expect(
            RunbookRunner.invocation(for: steps[1], options: dry)
                == .init(
                    arguments: ["status", "--config", "/etc/t.toml", "--root", "/r"], input: .null, rehearsal: true))
        #expect(
            RunbookRunner.invocation(for: steps[2], options: dry).arguments == [
                "backup", "--dry-run", "--config", "/etc/t.toml", "--root", "/r",
            ])
        #expect(
            RunbookRunner.invocation(for: steps[4], options: dry).arguments == [
                "rollback", "--dry-run", "--config", "/etc/t.toml", "--root", "/r",
            ])
        let real = RunbookRunner.Options(passthrough: ["--config", "/etc/t.toml"])
        #expect(
            RunbookRunner.invocation(for: steps[2], options: real)
                == .init(arguments: ["backup", "--config", "/etc/t.toml"], input: .inherit))
    }

    @Test(
        "verdicts: what an exit status means for each kind of step",
        arguments: [
            // kind, effect, status, dry run, verdict
            (RunbookStep.Kind.action, StepEffect.mutating, StepStatus.exited(0), false, RunbookRunner.Verdict.next),
            (.action, .mutating, .exited(1), false, .failure),
            (.action, .readOnly, .exited(2), false, .failure),
            (.check, .readOnly, .exited(0), false, .resolved),
            (.check, .readOnly, .exited(2), false, .diagnosis),
            (.check, .readOnly, .exited(0), true, .wouldResolve),
            (.check, .readOnly, .exited(3), true, .diagnosis),
            (.action, .readOnly, .exited(2), true, .tolerated),
            (.action, .readOnly, .exited(69), true, .tolerated),
            (.action, .mutating, .exited(1), true, .failure),
            (.action, .readOnly, .exited(64), true, .failure),
            (.check, .readOnly, .exited(64), false, .failure),
            (.check, .readOnly, .signaled(2), false, .failure),
            (.action, .readOnly, .notStarted("ENOENT"), true, .failure),
        ])
    func verdict(
        kind: RunbookStep.Kind, effect: StepEffect, status: StepStatus, dryRun: Bool, expected: RunbookRunner.Verdict
    ) {
        let step = RunbookStep(
            number: 1, kind: kind, arguments: ["x"], line: 1,
            classification: .init(command: "x", effect: effect, reason: "test"))
        #expect(RunbookRunner.verdict(for: step, status: status, dryRun: dryRun) == expected)
    }

    // MARK: - runs on a fake executor

    @Test("stops at the first failing step, shows its advice and how to resume")
    func stopsAtFirstFailure() async throws {
        let runbook = try Self.runbook()
        let executor = ScriptedExecutor(["health": .exited(2), "backup": .exited(1)])
        let console = RecordingConsole()
        let options = RunbookRunner.Options(assumeYes: true, passthrough: ["--config", "/c.toml"])
        let report = await Self.runner(executor, console).run(runbook, options: options)
        #expect(report.outcome == .failed(step: 3, status: .exited(1)))
        #expect(report.exitCode == 1)
        #expect(await executor.commands == ["health", "status", "backup"])
        let ending = RunbookText.ending(report, runbook: runbook, options: options)
        #expect(ending.contains("failed at step 3 (exit 1)"))
        #expect(ending.contains("next: free some disk, then retry."))
        #expect(ending.contains("tradectl runbook run sample --from 3 --config /c.toml"))
        #expect(ending.contains("tradectl runbook run sample --from 4 --config /c.toml"))
        #expect(!console.text.contains("After the last step."))
    }

    @Test("a failing check is a diagnosis and the run goes on; a passing check ends it, resolved")
    func checkResolves() async throws {
        let runbook = try Self.runbook()
        let executor = ScriptedExecutor(["health": .exited(2)])  // `health --check unit` passes
        let console = RecordingConsole()
        let report = await Self.runner(executor, console).run(runbook, options: .init(assumeYes: true))
        #expect(report.outcome == .resolved(step: 4))
        #expect(report.exitCode == 0)
        #expect(await executor.commands == ["health", "status", "backup", "health"])
        #expect(report.records.map(\.verdict) == [.diagnosis, .next, .next, .resolved])
        #expect(console.text.contains("check not passed, continuing\n   look closer."))
        #expect(RunbookText.ending(report, runbook: runbook, options: .init()).contains("resolved at step 4"))
    }

    @Test("a real run that ends on a failing check is not resolved (exit 1) and shows that check's advice")
    func endsUnresolved() async throws {
        let text = RunbookParserTests.withBody(
            "```tradectl\ntradectl status\n```\n\n```tradectl check\ntradectl health\n```\n\nIf this fails: call the desk.\n\nNotes.\n"
        )
        let runbook = try Self.runbook(text)
        let console = RecordingConsole()
        let report = await Self.runner(ScriptedExecutor(["health": .exited(2)]), console).run(
            runbook, options: .init(assumeYes: true))
        #expect(report.outcome == .unresolved(step: 2))
        #expect(report.exitCode == 1)
        #expect(console.text.contains("Notes."))
        #expect(RunbookText.ending(report, runbook: runbook, options: .init()).contains("next: call the desk."))
    }

    @Test("--from skips earlier steps and the prose before them")
    func fromStep() async throws {
        let executor = ScriptedExecutor()
        let console = RecordingConsole()
        let report = await Self.runner(executor, console).run(
            try Self.runbook(), options: .init(assumeYes: true, from: 3))
        #expect(await executor.commands == ["backup", "health"])
        #expect(report.outcome == .resolved(step: 4))
        #expect(!console.text.contains("Before step 1.") && !console.text.contains("Before step 2."))
        #expect(console.text.contains("starting at step 3 of 5"))
    }

    @Test(
        "dry run: read-only failures are shown and the run goes on, checks do not end it, nothing is asked or recorded")
    func dryRunGoesOn() async throws {
        let executor = ScriptedExecutor(["health": .exited(2), "status": .exited(69)])
        let console = RecordingConsole(answers: [.quit])
        let audit = MemoryAuditLog()
        let report = await Self.runner(executor, console, audit: audit).run(
            try Self.runbook(), options: .init(dryRun: true, passthrough: ["--config", "/c.toml"]))
        #expect(report.outcome == .completed)
        #expect(report.exitCode == 0)
        #expect(report.records.map(\.verdict) == [.diagnosis, .tolerated, .next, .wouldResolve, .next])
        let invocations = await executor.invocations
        #expect(
            invocations.map(\.arguments) == [
                ["health", "--config", "/c.toml"], ["status", "--config", "/c.toml"],
                ["backup", "--dry-run", "--config", "/c.toml"],
                ["health", "--check", "unit", "--config", "/c.toml"], ["rollback", "--dry-run", "--config", "/c.toml"],
            ])
        #expect(invocations.allSatisfy { $0.input == .null })
        #expect(console.askedSteps.isEmpty)
        #expect(audit.entries.isEmpty)
        #expect(console.text.contains("After the last step."))
    }

    @Test("dry run: a mutating step whose --dry-run fails aborts, and so does exit 64 anywhere")
    func dryRunAborts() async throws {
        let failing = await Self.runner(ScriptedExecutor(["backup": .exited(65)]), RecordingConsole())
            .run(try Self.runbook(), options: .init(dryRun: true))
        #expect(failing.outcome == .failed(step: 3, status: .exited(65)))
        let usage = await Self.runner(ScriptedExecutor(["status": .exited(64)]), RecordingConsole())
            .run(try Self.runbook(), options: .init(dryRun: true))
        #expect(usage.outcome == .failed(step: 2, status: .exited(64)))
        #expect(
            RunbookText.ending(usage, runbook: try Self.runbook(), options: .init(dryRun: true)).contains("usage error")
        )
    }

    @Test("a passing check in a dry run says a real run would end there, and goes on")
    func dryRunWouldResolve() async throws {
        let console = RecordingConsole()
        let report = await Self.runner(ScriptedExecutor(), console).run(
            try Self.runbook(), options: .init(dryRun: true))
        #expect(report.outcome == .completed)
        #expect(report.records.count == 5)
        #expect(console.text.contains("a real run would end here as resolved"))
    }

    @Test("the operator is asked before each step: skip goes on, quit stops without running")
    func prompts() async throws {
        let executor = ScriptedExecutor(["health": .exited(2)])
        let console = RecordingConsole(answers: [.run, .skip, .quit])
        let audit = MemoryAuditLog()
        let runbook = try Self.runbook()
        let report = await Self.runner(executor, console, audit: audit).run(runbook, options: .init())
        #expect(console.askedSteps == [1, 2, 3])
        #expect(await executor.commands == ["health"])
        #expect(report.outcome == .stopped(step: 3))
        #expect(report.exitCode == 1)
        #expect(
            audit.entries.map(\.result) == [
                "started at step 1 of 5", "exit 2 (diagnosis)", "skipped by the operator", "not run: the operator quit",
                "stopped by the operator at step 3",
            ])
        #expect(
            RunbookText.ending(report, runbook: runbook, options: .init()).contains(
                "tradectl runbook run sample --from 3"))
    }

    @Test("every step is recorded in the audit log: who, when, pid, command, exit status")
    func auditRows() async throws {
        let audit = MemoryAuditLog()
        let executor = ScriptedExecutor(["health": .exited(2), "backup": .exited(1)])
        _ = await Self.runner(executor, RecordingConsole(), audit: audit).run(
            try Self.runbook(), options: .init(assumeYes: true))
        #expect(
            audit.entries == [
                AuditEntry(
                    at: Self.epoch, user: "alice", pid: 4242, command: "runbook run sample",
                    result: "started at step 1 of 5"),
                AuditEntry(
                    at: Self.epoch, user: "alice", pid: 4242, command: "runbook sample step 1: tradectl health",
                    result: "exit 2 (diagnosis)"),
                AuditEntry(
                    at: Self.epoch, user: "alice", pid: 4242, command: "runbook sample step 2: tradectl status",
                    result: "exit 0"),
                AuditEntry(
                    at: Self.epoch, user: "alice", pid: 4242, command: "runbook sample step 3: tradectl backup",
                    result: "exit 1 (failure)"),
                AuditEntry(
                    at: Self.epoch, user: "alice", pid: 4242, command: "runbook run sample",
                    result: "failed at step 3 (exit 1)"),
            ])
    }

    @Test("an audit log that cannot be written is reported once and the run goes on")
    func auditUnavailable() async throws {
        let console = RecordingConsole()
        let report = await Self.runner(ScriptedExecutor(), console, audit: MemoryAuditLog(failing: true))
            .run(try Self.runbook(), options: .init(assumeYes: true))
        #expect(report.outcome == .resolved(step: 1))
        #expect(console.text.components(separatedBy: "audit log unavailable (disk full)").count == 2)
    }

    @Test("audit rows land in the state DB's audit table")
    func stateStoreAudit() async throws {
        let dir = TempDir()
        let deployment = try ConfigLoader(environment: [:]).parse(
            text: minimalConfig(source: dir.path, root: "/opt/demo"), path: "\(dir.path)/tradectl.toml"
        ).0
        let log = StateStoreAuditLog(
            layout: DeployLayout(deployment, environment: [:]), fileSystem: RootedFileSystem(root: dir.path))
        try log.record(
            AuditEntry(
                at: Self.epoch, user: "bob", pid: 7, command: "runbook x step 1: tradectl status", result: "exit 0"))
        let rows = try sqlite("\(dir.path)/opt/demo/state/state.db", "SELECT user, pid, command, result FROM audit")
        #expect(rows == "bob|7|runbook x step 1: tradectl status|exit 0")
    }
}
