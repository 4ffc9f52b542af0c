import Foundation
import Logging
import Testing

@testable import TradeKit

/// A host without `systemd-analyze` (or any other program): every command fails to start.
struct NoPrograms: ProcessLauncher {
    struct NotFound: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) not found" }
    }
    func run(_ command: Command) async throws -> CommandResult { throw NotFound(name: command.executable) }
}

/// Deploy records the longest gap of each oneshot schedule (measured with the real
/// `systemd-analyze` at plan time), and the timer check reads it instead of running a process.
@Suite("Schedule gaps")
struct ScheduleGapTests {
    let dir = TempDir("schedule-gaps")
    static let weekdays = "Mon..Fri 09:30 America/New_York"

    /// ivcrush (one oneshot, `ivcrush`) in user scope under a temp root, with no build hook to run.
    func setUp() throws -> (Deployment, DeployRequest, RootedFileSystem) {
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("ivcrush"))
        deployment.project.scope = .user
        deployment.releases.build = []
        let fs = RootedFileSystem(root: "\(dir.path)/root")
        let request = DeployRequest(
            offline: true, tradectlPath: "/usr/local/bin/tradectl",
            environment: ["TRADECTL_TEMPLATES_DIR": "\(Repo.root)/templates", "HOME": "/home/op"], user: "test")
        return (deployment, request, fs)
    }

    func runner(
        _ deployment: Deployment, _ request: DeployRequest, _ fs: FileSystem,
        launcher: ProcessLauncher = SubprocessLauncher()
    ) -> DeployRunner {
        DeployRunner(
            deployment: deployment, request: request, fileSystem: fs, launcher: launcher,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func scheduleAction(_ plan: Plan) -> Action? { plan.actions.first { $0.effect is RecordScheduleGaps } }

    func setSchedule(_ deployment: inout Deployment, _ spec: String) throws {
        let index = try #require(deployment.components.firstIndex { $0.name == "ivcrush" })
        deployment.components[index].schedule = spec
    }

    @Test(
        "recorded by deploy, unchanged on the next plan, replaced when the schedule changes",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func recordedUnchangedUpdated() async throws {
        var (deployment, request, fs) = try setUp()
        let dryRun = try await runner(deployment, request, fs).run(dryRun: true)
        let planned = try #require(scheduleAction(dryRun.plan))
        #expect(planned.change == .create)
        #expect(planned.effect(as: RecordScheduleGaps.self)?.gaps == [Self.weekdays: 3 * 86400])

        let first = runner(deployment, request, fs)
        _ = try await first.run(dryRun: false)
        let store = try first.state.store()
        #expect(try store.scheduleGaps() == [Self.weekdays: 3 * 86400])
        // What health and the monitor read.
        let suite = HealthSuite(
            deployment: deployment, fileSystem: fs, environment: request.environment, launcher: NoPrograms(),
            services: FakeServiceManager(states: [:]))
        #expect(suite.history(store: store).scheduleGaps == [Self.weekdays: 3 * 86400])

        let again = try await runner(deployment, request, fs).makePlan(services: nil).0
        #expect(scheduleAction(again)?.change == .unchanged)
        #expect(!again.changes.contains { $0.effect is RecordScheduleGaps })

        try setSchedule(&deployment, "*-*-* 09:30")
        let changed = runner(deployment, request, fs)
        let outcome = try await changed.run(dryRun: false)
        let update = try #require(scheduleAction(outcome.plan))
        #expect(update.change == .update)
        #expect(update.effect(as: RecordScheduleGaps.self)?.gaps == ["*-*-* 09:30": 86400])
        // The old schedule's row went with it.
        #expect(try changed.state.store().scheduleGaps() == ["*-*-* 09:30": 86400])
    }

    @Test(
        "no systemd-analyze: no gap planned (a note), the deploy succeeds; a recorded gap is kept",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func missingAnalyzer() async throws {
        let (deployment, request, fs) = try setUp()
        let bare = runner(deployment, request, fs, launcher: NoPrograms())
        let outcome = try await bare.run(dryRun: false)
        #expect(outcome.applied)
        #expect(scheduleAction(outcome.plan) == nil)
        #expect(outcome.plan.notes.contains { $0.contains(Self.weekdays) && $0.contains("health will run") })
        #expect(try bare.state.store().scheduleGaps().isEmpty)

        _ = try await runner(deployment, request, fs).run(dryRun: false)
        let kept = try await runner(deployment, request, fs, launcher: NoPrograms()).makePlan(services: nil).0
        #expect(scheduleAction(kept)?.change == .unchanged)
        #expect(kept.notes.contains { $0.contains("keeping the recorded longest gap") })
    }

    @Test("the timer check judges from the recorded gap and starts no process; without one it falls back")
    func timerCheckUsesRecordedGap() async {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let spec = "*-*-* 04:44:44"  // asked of no other test: CalendarSpec's cache is per process
        let manager = TableServiceManager([
            "p-scan.timer": [
                "ActiveState": "active", "LastTriggerUSec": "@\(1_800_000_000 - 3600)",
                "ActiveEnterTimestamp": "@1799000000", "NextElapseUSecRealtime": "@\(1_800_000_000 + 80000)",
            ],
            "p-scan.service": [
                "ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0",
                "ExecMainExitTimestamp": "@\(1_800_000_000 - 3590)",
            ],
        ])
        var check = TimerCheck(
            timeout: .seconds(1),
            oneshots: [(component: "scan", timer: "p-scan.timer", service: "p-scan.service", schedule: spec)],
            manager: manager, grace: 60, now: now, recordedGaps: [spec: 86400], launcher: NoPrograms())
        let judged = await check.run()
        #expect(judged.count == 1 && judged[0].status == .ok, "\(judged)")
        check.recordedGaps = [:]
        let fallback = await check.run()
        #expect(fallback.count == 1 && fallback[0].status == .unknown, "\(fallback)")
        #expect(fallback.first?.summary.contains("cannot compute the period") == true)
    }
}
