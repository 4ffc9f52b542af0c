import Foundation

/// `recover --json`, and the text `recover` prints.
public struct RecoverReport: Sendable, Codable, Equatable {
    public var archive: String
    public var archiveCreated: Date?
    public var restored: RestoreChanges
    public var halted: Bool
    public var release: String
    public var deployChanges: Int
    public var phases: [RecoverPhase]
    /// The recovery time: the sum of the phases.
    public var seconds: Double
    public var applied: Bool

    enum CodingKeys: String, CodingKey {
        case archive, restored, halted, release, phases, seconds, applied
        case archiveCreated = "archive_created"
        case deployChanges = "deploy_changes"
    }

    public init(_ outcome: RecoverOutcome) {
        archive = outcome.archive
        archiveCreated = outcome.created
        restored = outcome.restore.changes
        halted = outcome.halt != nil
        release = outcome.deploy.version
        deployChanges = outcome.deploy.plan.changes.count
        phases = outcome.phases
        seconds = outcome.seconds
        applied = outcome.applied
    }

    /// After a recovery: what came back, how old it is, what is held, how long it took.
    public static func text(_ outcome: RecoverOutcome, deployment: Deployment, now: Date = Date()) -> String {
        let restored = outcome.restore.changes.added.count + outcome.restore.changes.changed.count
        var lines = ["restored \(restored) files from \(outcome.archive)" + age(outcome.created, now: now)]
        lines.append("deployed release \(outcome.deploy.version): \(outcome.deploy.plan.changes.count) changes applied")
        if outcome.halt != nil, !deployment.killSwitch.components.isEmpty {
            lines.append(
                "kill switch on: \(deployment.killSwitch.components.joined(separator: ", ")) held; reconcile "
                    + "positions and orders with the broker, then `tradectl resume`")
        }
        lines.append("recovered in \(seconds(outcome.seconds)): " + phaseList(outcome.phases))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A dry run: each step's plan, in order.
    public static func dryRunText(_ outcome: RecoverOutcome, verbose: Bool) -> String {
        var text = "== restore \(outcome.archive) ==\n"
        for path in outcome.restore.changes.added { text += "+ added    shared/\(path)\n" }
        text += PlanRenderer.text(outcome.restore.plan, verbose: verbose)
        if let halt = outcome.halt { text += "\n== halt ==\n" + PlanRenderer.text(halt.plan, verbose: verbose) }
        text += "\n== deploy ==\n" + PlanRenderer.text(outcome.deploy.plan, verbose: verbose)
        text += "\ndry run: nothing was changed"
        text += outcome.phases.contains { $0.name == "fetch" } ? " (the fetched copy was verified and deleted)\n" : "\n"
        return text
    }

    static func age(_ created: Date?, now: Date) -> String {
        guard let created else { return "" }
        let formatter = ISO8601DateFormatter()
        let minutes = max(0, Int(now.timeIntervalSince(created) / 60))
        let span =
            minutes >= 60 * 48
            ? "\(minutes / 1440)d" : minutes >= 60 ? "\(minutes / 60)h\(minutes % 60)m" : "\(minutes)m"
        return " (taken \(formatter.string(from: created)), \(span) ago: later data is lost)"
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

    static func phaseList(_ phases: [RecoverPhase]) -> String {
        phases.map { "\($0.name) \(seconds($0.seconds))" }.joined(separator: ", ")
    }
}
