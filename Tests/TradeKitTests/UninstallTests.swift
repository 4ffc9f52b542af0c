import Foundation
import Testing

@testable import TradeKit

@Suite("Uninstall")
struct UninstallTests {
    static func thetagang() throws -> Deployment {
        try ConfigLoader(environment: [:]).load(path: Repo.example("thetagang")).0
    }

    static func status(_ name: String, _ state: String) -> UnitStatus {
        UnitStatus(
            name: name, loadState: "loaded", activeState: state, subState: "", result: "success", restarts: 0,
            mainPID: 0, unitFileState: "enabled")
    }

    static func summary(_ plan: Plan) -> [String] {
        plan.changes.map { "\($0.effect.typeName) \($0.effect.target)" }
    }

    func survey(_ layout: DeployLayout, statuses: [String: UnitStatus]?, rootOthers: [String] = []) -> UninstallSurvey {
        UninstallSurvey(
            units: ["thetagang-seller.service", "thetagang-seller.timer"],
            links: [layout.units.wantsLink("thetagang-seller.timer", target: "timers.target")], statuses: statuses,
            files: [layout.installedConfig], purgeable: [layout.releases, layout.shared, layout.root, layout.stateDir],
            rootOthers: rootOthers, archives: ["thetagang-1.tar.gz"])
    }

    @Test("stop timers then services, reset failed, unlink, remove, reload; data kept")
    func plain() throws {
        let deployment = try Self.thetagang()
        let layout = DeployLayout(deployment, environment: [:])
        let statuses = [
            "thetagang-seller.timer": Self.status("thetagang-seller.timer", "active"),
            "thetagang-seller.service": Self.status("thetagang-seller.service", "failed"),
        ]
        let plan = try UninstallPlanner(
            deployment: deployment, layout: layout, survey: survey(layout, statuses: statuses), offline: false
        ).plan(purge: false)
        #expect(
            Self.summary(plan) == [
                "systemctl.stop thetagang-seller.timer", "systemctl.reset-failed thetagang-seller.service",
                "remove /etc/systemd/system/timers.target.wants/thetagang-seller.timer",
                "remove /etc/systemd/system/thetagang-seller.service",
                "remove /etc/systemd/system/thetagang-seller.timer",
                "systemctl.daemon-reload ", "remove \(layout.installedConfig)",
            ])
        #expect(plan.notes.contains { $0.contains("--purge") })
        #expect(!Self.summary(plan).contains { $0.contains(layout.stateDir) || $0.contains(layout.root + "/") })
    }

    @Test("the monitor is stopped after the timers and before the services it would restart")
    func monitorFirst() throws {
        let deployment = try Self.thetagang()
        let layout = DeployLayout(deployment, environment: [:])
        var survey = survey(layout, statuses: nil)
        survey.units = ["thetagang-monitor.service", "thetagang-seller.service", "thetagang-seller.timer"]
        survey.statuses = Dictionary(uniqueKeysWithValues: survey.units.map { ($0, Self.status($0, "active")) })
        let plan = try UninstallPlanner(deployment: deployment, layout: layout, survey: survey, offline: false)
            .plan(purge: false)
        #expect(
            Array(Self.summary(plan).prefix(3)) == [
                "systemctl.stop thetagang-seller.timer", "systemctl.stop thetagang-monitor.service",
                "systemctl.stop thetagang-seller.service",
            ])
    }

    @Test("--purge: the final backup first; releases, shared, root and state removed; never the backup dir")
    func purge() throws {
        let deployment = try Self.thetagang()
        let layout = DeployLayout(deployment, environment: [:])
        let backup = Action(RemovePath(path: "/marker"), change: .create)
        let plan = try UninstallPlanner(
            deployment: deployment, layout: layout, survey: survey(layout, statuses: nil), offline: true
        ).plan(purge: true, finalBackup: [backup])
        let summary = Self.summary(plan)
        #expect(summary.first == "remove /marker", "the final backup's actions come first")
        #expect(
            summary.suffix(4) == [
                "remove \(layout.releases)", "remove \(layout.shared)", "remove \(layout.root)",
                "remove \(layout.stateDir)",
            ])
        #expect(!summary.contains { $0.contains(layout.backupDir) })
        #expect(plan.notes.contains { $0.contains("offline") })

        let others = try UninstallPlanner(
            deployment: deployment, layout: layout, survey: survey(layout, statuses: nil, rootOthers: ["notes"]),
            offline: true
        ).plan(purge: true)
        #expect(!Self.summary(others).contains("remove \(layout.root)"), "a root holding other things is kept")
    }

    @Test("--purge refuses a backup directory inside what it removes (exit 65)")
    func backupInside() throws {
        var deployment = try Self.thetagang()
        deployment.backup.dir = deployment.project.root + "/shared/backups"
        let layout = DeployLayout(deployment, environment: [:])
        let planner = UninstallPlanner(
            deployment: deployment, layout: layout, survey: survey(layout, statuses: nil), offline: true)
        #expect(throws: UninstallRefused.self) { try planner.plan(purge: true) }
        #expect(ExitStatus.of(UninstallRefused(description: "")) == .dataError)
        _ = try planner.plan(purge: false)
    }
}
