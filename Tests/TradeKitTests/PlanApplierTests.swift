import Foundation
import Logging
import Synchronization
import Testing

@testable import TradeKit

/// A test effect: records its name when applied, fails when asked to.
private struct Step: Effect {
    var name: String
    var fails = false
    var typeName: String { "step" }
    var target: String { name }
}

/// An effect no handler is registered for.
private struct Unhandled: Effect {
    var typeName: String { "unhandled" }
    var target: String { "x" }
}

private struct StepFailure: Error, CustomStringConvertible {
    var description: String { "step failed" }
}

private final class AppliedLog: Sendable {
    private let names = Mutex<[String]>([])
    var all: [String] { names.withLock { $0 } }
    func append(_ name: String) { names.withLock { $0.append(name) } }
}

private struct StepHandler: EffectHandler {
    var log: AppliedLog
    func apply(_ effect: Step) async throws -> (any Sendable)? {
        if effect.fails { throw StepFailure() }
        log.append(effect.name)
        return "output of \(effect.name)"
    }
}

/// A mutation whose plan and record are given by the test.
private struct ScriptedMutation: Mutation {
    var plan: Plan
    var log: AppliedLog
    var planned = AppliedLog()

    /// Whether the session gate applies to it (like update, restore…).
    var interrupts = false

    var command: String { "scripted" }

    func plan(in context: MutationContext) async throws -> Plan {
        planned.append("planned")
        return plan
    }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] { [StepHandler(log: log)] }

    func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool { interrupts }
}

@Suite("Plan applier and the mutation path")
struct PlanApplierTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("a plan holding an effect no handler applies is refused before its first action")
    func missingHandler() async throws {
        let log = AppliedLog()
        var plan = Plan(command: "t")
        plan.add(Step(name: "first"), .run)
        plan.add(Unhandled(), .run)
        let applier = PlanApplier(logger: Self.logger, handlers: [StepHandler(log: log)])
        await #expect(throws: MissingEffectHandler.self) { _ = try await applier.apply(plan) }
        #expect(log.all.isEmpty)
    }

    @Test("outputs come back typed and in order; unchanged actions are skipped")
    func typedReport() async throws {
        let log = AppliedLog()
        var plan = Plan(command: "t")
        plan.add(Step(name: "a"), .run)
        plan.add(Step(name: "skipped"), .unchanged)
        plan.add(Step(name: "b"), .run)
        let report = try await PlanApplier(logger: Self.logger, handlers: [StepHandler(log: log)]).apply(plan)
        #expect(log.all == ["a", "b"])
        #expect(report.all(String.self) == ["output of a", "output of b"])
        #expect(report.applied == [0, 2])
        #expect(plan.changes(of: Step.self).map(\.name) == ["a", "b"])
    }

    @Test("a failure after the compensation point applies the compensation; one before it does not")
    func compensation() async throws {
        for (failAt, compensated) in [(2, true), (0, false)] {
            let log = AppliedLog()
            var plan = Plan(command: "t")
            plan.add(Step(name: "stage", fails: failAt == 0), .run)
            plan.add(Step(name: "swap"), .update)
            plan.compensateFailuresAfterLastAction(reason: "swap back") { undo in
                undo.add(Step(name: "swap back"), .update)
            }
            plan.add(Step(name: "start", fails: failAt == 2), .run)
            let applier = PlanApplier(logger: Self.logger, handlers: [StepHandler(log: log)])
            let error = await #expect(throws: ApplyError.self) { _ = try await applier.apply(plan) }
            #expect(error?.compensated == compensated)
            #expect(error?.underlying is StepFailure)
            #expect(error?.action == "step \(failAt == 0 ? "stage" : "start")")
            #expect(log.all == (compensated ? ["stage", "swap", "swap back"] : []))
        }
    }

    @Test("the compensation is part of what --dry-run shows, in text and JSON")
    func compensationIsShown() throws {
        var plan = Plan(command: "restore")
        plan.add(.exchange(first: "/s/shared", second: "/p/shared"), .update, note: "atomic swap of shared/")
        plan.compensateFailuresAfterLastAction(reason: "the previous shared/ is swapped back") { undo in
            undo.add(.exchange(first: "/s/shared", second: "/p/shared"), .update, note: "swap back")
        }
        plan.add(.systemctl(.start, units: ["a.service"]), .run)
        let text = PlanRenderer.text(plan)
        #expect(text.contains("if a later step fails (the previous shared/ is swapped back):"))
        #expect(text.contains("swap back"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(PlanRenderer.json(plan).utf8)) as? [String: Any])
        let compensation = try #require(json["compensation"] as? [String: Any])
        #expect(compensation["after"] as? Int == 0)
        #expect((compensation["actions"] as? [[String: Any]])?.first?["type"] as? String == "exchange")
    }

    @Test("the JSON plan carries each changing file's diff, as the text plan shows it; none for unchanged actions")
    func jsonCarriesDiffs() throws {
        var plan = Plan(command: "update")
        let unit = "--- a/etc/systemd/system/a.service\n+++ b/etc/systemd/system/a.service\n-X=1\n+X=2\n"
        plan.add(
            .file(path: "/etc/systemd/system/a.service", content: Data(), mode: 0o644, owner: nil, secret: false),
            .update, diff: unit)
        plan.add(
            .file(path: "/etc/systemd/system/b.service", content: Data(), mode: 0o644, owner: nil, secret: false),
            .unchanged, diff: "--- a/b\n+++ b/b\n")
        plan.add(.systemctl(.restart, units: ["a.service"]), .run)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(PlanRenderer.json(plan).utf8)) as? [String: Any])
        let actions = try #require(json["actions"] as? [[String: Any]])
        #expect(actions.map { $0["diff"] as? String } == [unit, nil, nil])
        #expect(PlanRenderer.text(plan).contains("    +X=2"))
    }

    @Test("an applied error keeps its type and exit status through ApplyError")
    func exitStatusThroughApplyError() {
        let denied = ApplyError(
            action: "file /etc/x", underlying: SystemCallError(call: "open", path: "/etc/x", errno: EACCES),
            compensated: false)
        #expect(ExitStatus.of(denied) == .noPermission)
        let locked = ApplyError(action: "x", underlying: LockHeldError(holder: "pid=1"), compensated: false)
        #expect(ExitStatus.of(locked) == .tempFail)
        #expect(ExitStatus.of(StepFailure()) == .failure)
    }

    @Test("the pipeline: a dry run plans once, takes no lock and records nothing; a held lock refuses before planning")
    func pipelineLockAndRecord() async throws {
        let dir = TempDir()
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        deployment.project.scope = .user
        let fileSystem = RootedFileSystem(root: "\(dir.path)/root")
        let layout = DeployLayout(deployment, environment: [:])
        let context = MutationContext(
            deployment: deployment, layout: layout, fileSystem: fileSystem, launcher: SubprocessLauncher(),
            logger: Self.logger, user: "tester", offline: true, services: .offline)
        let pipeline = MutationPipeline(context: context)
        var plan = Plan(command: "scripted")
        plan.add(Step(name: "one"), .run)

        let log = AppliedLog()
        let dry = ScriptedMutation(plan: plan, log: log)
        let result = try await pipeline.run(dry, dryRun: true)
        #expect(!result.applied && log.all.isEmpty && dry.planned.all == ["planned"])
        #expect(fileSystem.info(layout.lockFile) == nil, "a dry run must not create the lock file")
        #expect(fileSystem.info(layout.stateDatabase) == nil, "a dry run must not create the state DB")

        do {
            let holder = try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: "deploy")
            let blocked = ScriptedMutation(plan: plan, log: log)
            await #expect(throws: LockHeldError.self) { _ = try await pipeline.run(blocked, dryRun: false) }
            #expect(blocked.planned.all.isEmpty && log.all.isEmpty)
            withExtendedLifetime(holder) {}
        }

        let applied = try await pipeline.run(ScriptedMutation(plan: plan, log: log), dryRun: false)
        #expect(applied.applied && log.all == ["one"])
        let audit = try #require(try context.state.existing()).auditEntries()
        #expect(audit.map(\.command) == ["scripted"])
        #expect(audit.first?.result == "success: 1 change")
        #expect(audit.first?.user == "tester")
    }

    @Test("the session gate: refused before the plan is shown, asked after it, noted in a dry run, skipped otherwise")
    func sessionGate() async throws {
        let dir = TempDir()
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        deployment.project.scope = .user
        #expect(deployment.market.declared)
        let fileSystem = RootedFileSystem(root: "\(dir.path)/root")
        var context = MutationContext(
            deployment: deployment, layout: DeployLayout(deployment, environment: [:]), fileSystem: fileSystem,
            launcher: SubprocessLauncher(), logger: Self.logger, user: "tester", offline: true, services: .offline)
        // Monday 2026-12-07 13:47 New York: open until 16:00.
        let open = ISO8601DateFormatter().date(from: "2026-12-07T18:47:00Z")!
        var plan = Plan(command: "scripted")
        plan.add(Step(name: "one"), .run)
        let log = AppliedLog()
        let shown = AppliedLog()
        func run(_ mutation: ScriptedMutation, confirm: (@Sendable (String) -> Bool)?) async throws {
            context.session = SessionGate(market: deployment.market, now: open, duringSession: false, confirm: confirm)
            _ = try await MutationPipeline(context: context).run(mutation, dryRun: false) { _ in shown.append("plan") }
        }
        // No terminal: refused, the plan not even shown.
        await #expect(throws: MarketSessionOpen.self) {
            try await run(ScriptedMutation(plan: plan, log: log, interrupts: true), confirm: nil)
        }
        #expect(log.all.isEmpty && shown.all.isEmpty)
        // A terminal, answered no: shown, then refused.
        await #expect(throws: MarketSessionOpen.self) {
            try await run(ScriptedMutation(plan: plan, log: log, interrupts: true), confirm: { _ in false })
        }
        #expect(log.all.isEmpty && shown.all == ["plan"])
        // Answered yes: applied.
        try await run(ScriptedMutation(plan: plan, log: log, interrupts: true), confirm: { _ in true })
        #expect(log.all == ["one"])
        // A mutation that does not interrupt trading is never asked about.
        try await run(ScriptedMutation(plan: plan, log: log), confirm: nil)
        #expect(log.all == ["one", "one"])
        // A dry run is never refused; its plan says what would happen.
        let dry = try await MutationPipeline(context: context).run(
            ScriptedMutation(plan: plan, log: log, interrupts: true), dryRun: true)
        #expect(dry.plan.notes.contains { $0.contains("scripted would be refused without --during-session") })
    }
}
