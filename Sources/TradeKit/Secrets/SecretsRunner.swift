import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `secrets set` cannot tell which env file is meant, or the file is not usable (exit 64 or 65).
public struct SecretsTargetError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { isUsage ? .usage : .dataError }
    public var description: String
    /// True when a different command line would work (exit 64), false for bad data on disk (65).
    public var isUsage: Bool
}

/// An env file and the components that read it (`env_file`).
public struct EnvFileUse: Sendable, Equatable, Codable {
    /// As configured, relative to `shared/` (e.g. `.env`).
    public var file: String
    /// Path on the target machine.
    public var path: String
    public var components: [String]
}

/// What `secrets list` shows about one env file: key names only, never values.
public struct EnvFileListing: Sendable, Equatable, Codable {
    public var file: String
    public var path: String
    public var components: [String]
    public var exists: Bool
    /// Octal, e.g. `600`.
    public var mode: String?
    public var owner: String?
    public var keys: [String]
    public var warnings: [String]
}

/// What `secrets set` did (or would do).
public struct SecretsOutcome: Sendable {
    public var plan: Plan
    public var file: EnvFileUse
    public var change: EnvFile.Change
    public var applied: Bool
}

/// `tradectl secrets set` and `secrets list`.
///
/// The value lives only in the plan's file content (a `secret` file action: never shown, never
/// logged); plans, diffs, audit rows and output carry the key name and `<redacted>`.
public struct SecretsRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup
    /// The service manager to use instead of looking for systemd (tests pass a fake).
    public var services: ServiceManager?

    public init(setup: RunnerSetup) { self.setup = setup }

    /// Every env file named by a component, in config order.
    public func envFiles() -> [EnvFileUse] {
        var uses: [EnvFileUse] = []
        for component in setup.deployment.components {
            guard let file = component.envFile else { continue }
            if let index = uses.firstIndex(where: { $0.file == file }) {
                uses[index].components.append(component.name)
            } else {
                uses.append(EnvFileUse(file: file, path: setup.layout.shared(file), components: [component.name]))
            }
        }
        return uses
    }

    /// The env file of `component`, or the one env file all components share.
    public func resolve(component: String?) throws -> EnvFileUse {
        let uses = envFiles()
        if let component {
            guard let named = setup.deployment.component(named: component) else {
                throw SecretsTargetError(
                    description:
                        "unknown component \(component); known: \(setup.deployment.components.map(\.name).joined(separator: ", "))",
                    isUsage: true)
            }
            guard let file = named.envFile, let use = uses.first(where: { $0.file == file }) else {
                throw SecretsTargetError(description: "component \(component) has no env_file", isUsage: true)
            }
            return use
        }
        switch uses.count {
        case 0: throw SecretsTargetError(description: "no component has an env_file", isUsage: true)
        case 1: return uses[0]
        default:
            let list = uses.map { "\($0.file) (\($0.components.joined(separator: ", ")))" }.joined(separator: "; ")
            throw SecretsTargetError(
                description: "several env files: \(list); pick one with --component", isUsage: true)
        }
    }

    /// Plans the rewrite and the restarts. Read-only.
    public func planSet(
        key: String, value: String, file: EnvFileUse, services: ServiceManager?
    ) async throws
        -> (Plan, EnvFile.Change)
    {
        var plan = Plan(command: "secrets set")
        let info = setup.fileSystem.info(file.path)
        if let info, info.kind != .file {
            throw SecretsTargetError(description: "\(file.path) is not a regular file", isUsage: false)
        }
        var env = EnvFile(setup.fileSystem.read(file.path).map { String(decoding: $0, as: UTF8.self) } ?? "")
        let change = try env.set(key, to: value)
        let owner: OwnerSpec? =
            info.map { OwnerSpec(user: "\($0.uid)", group: "\($0.gid)") }
            ?? (setup.deployment.project.scope == .system
                ? OwnerSpec(user: setup.deployment.project.user, group: setup.deployment.project.group) : nil)
        let kind: ChangeKind =
            info == nil ? .create : change == .unchanged && info?.mode == 0o600 ? .unchanged : .update
        let redacted = Secrets.redacted
        let diff: String?
        let note: String
        switch change {
        case .added:
            diff = "+\(key)=\(redacted)"
            note = "\(key) added"
        case .changed:
            diff = "-\(key)=\(redacted)\n+\(key)=\(redacted)"
            note = "\(key) changed"
        case .unchanged:
            diff = nil
            note =
                kind == .unchanged
                ? "\(key) already has this value" : "\(key) unchanged; mode \(String(info?.mode ?? 0, radix: 8)) → 600"
        }
        plan.add(
            .file(path: file.path, content: Data(env.text.utf8), mode: 0o600, owner: owner, secret: true), kind,
            note: note, diff: diff)
        guard change != .unchanged else { return (plan, change) }
        let project = setup.deployment.project.name
        let units = setup.deployment.components.filter { file.components.contains($0.name) && $0.kind == .service }
            .map { UnitNames.service(project, $0.name) }
        planRestarts(&plan, file: file, statuses: try await services?.status(of: units))
        return (plan, change)
    }

    private func planRestarts(_ plan: inout Plan, file: EnvFileUse, statuses: [String: UnitStatus]?) {
        let project = setup.deployment.project.name
        let users = setup.deployment.components.filter { file.components.contains($0.name) }
        for oneshot in users where oneshot.kind == .oneshot {
            plan.notes.append("\(oneshot.name) runs on a schedule: its next run reads the new value")
        }
        let candidates = users.filter { $0.kind == .service }
        guard !candidates.isEmpty else { return }
        guard let statuses else {
            plan.notes.append(
                setup.offline
                    ? "setup.offline (--root): nothing restarted; restart \(candidates.map(\.name).joined(separator: ", ")) on the target"
                    : "no service manager reachable: nothing restarted")
            return
        }
        let halted = setup.fileSystem.info(setup.deployment.killSwitch.file) != nil
        var restart: [Component] = []
        for component in candidates {
            let unit = UnitNames.service(project, component.name)
            if IncidentPlanner.running.contains(statuses[unit]?.activeState ?? "") {
                restart.append(component)
            } else if halted && setup.deployment.killSwitch.components.contains(component.name) {
                plan.notes.append("\(component.name) is held by the kill switch: it reads the new value on resume")
            } else {
                plan.notes.append("\(component.name) is not running: it reads the new value when started")
            }
        }
        guard !restart.isEmpty else { return }
        let units = restart.map { UnitNames.service(project, $0.name) }
        plan.add(
            .systemctl(.restart, units: units), .run,
            note: "they read \(file.file) at start; each gets its stop timeout")
        let targets = restart.map {
            HealthGateSpec.Target(
                component: $0.name, unit: UnitNames.service(project, $0.name),
                probes: ProbeSpec.of($0, root: setup.layout.root))
        }
        plan.add(
            .waitHealthy(HealthGateSpec(targets: targets, timers: [], timeout: setup.deployment.deploy.healthTimeout)),
            .run)
    }

    /// Plans and, unless `dryRun`, applies under the project lock; audits the key and file, never the value.
    public func set(
        key: String, value: String, component: String?, dryRun: Bool, lockWait: Duration = .zero
    )
        async throws
        -> SecretsOutcome
    {
        let file = try resolve(component: component)
        let services = await setup.lookup(self.services)
        if !dryRun, let unreachable = services.unreachable {
            throw ServiceManagerUnavailable(detail: unreachable, nothingChanged: true)
        }
        let mutation = SecretsMutation(runner: self, key: key, value: value, file: file)
        let result = try await setup.pipeline(services).run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        let change = mutation.change.value ?? .unchanged
        if result.applied {
            setup.logger.notice(
                "secret set",
                metadata: [
                    "secret.key": "\(key)", "secret.file": "\(file.path)", "secret.change": "\(change.rawValue)",
                ])
        }
        return SecretsOutcome(plan: result.plan, file: file, change: change, applied: result.applied)
    }

    /// Key names, mode and owner of every env file, with warnings.
    public func list() -> [EnvFileListing] {
        let expectedOwner = setup.deployment.project.scope == .system ? setup.deployment.project.user : nil
        return envFiles().map { use in
            guard let info = setup.fileSystem.info(use.path) else {
                return EnvFileListing(
                    file: use.file, path: use.path, components: use.components, exists: false, mode: nil, owner: nil,
                    keys: [], warnings: ["\(use.path) does not exist (deploy seeds it from the release source)"])
            }
            let env = EnvFile(setup.fileSystem.read(use.path).map { String(decoding: $0, as: UTF8.self) } ?? "")
            let owner = getpwuid(info.uid).map { String(cString: $0.pointee.pw_name) } ?? "\(info.uid)"
            var warnings: [String] = []
            if info.kind != .file { warnings.append("not a regular file") }
            if info.mode & 0o077 != 0 {
                warnings.append(
                    "mode \(String(info.mode, radix: 8)) lets others read it: chmod 600 \(setup.fileSystem.hostPath(use.path))"
                )
            }
            if let expectedOwner, owner != expectedOwner {
                warnings.append("owned by \(owner), not the service setup.user \(expectedOwner)")
            }
            for key in env.duplicateKeys {
                warnings.append("\(key) is assigned more than once (systemd uses the last)")
            }
            return EnvFileListing(
                file: use.file, path: use.path, components: use.components, exists: true,
                mode: String(info.mode, radix: 8),
                owner: owner, keys: env.keys, warnings: warnings)
        }
    }
}

/// `secrets set`'s part of the pipeline. The value lives only in the plan's secret file
/// action; the audit line names the key and the file.
struct SecretsMutation: Mutation {
    var runner: SecretsRunner
    var key: String
    var value: String
    var file: EnvFileUse
    /// How the key changed, as the (last) plan found it.
    let change = PlannedChange()

    var command: String { "secrets set \(key) (\(file.path))" }

    func plan(in context: MutationContext) async throws -> Plan {
        let (plan, change) = try await runner.planSet(
            key: key, value: value, file: file, services: context.services.manager)
        self.change.set(change)
        return plan
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        let restarted = plan.changes(of: UnitJob.self).first { $0.verb == .restart }?.target
        return "success: \((change.value ?? .unchanged).rawValue)" + (restarted.map { "; restarted \($0)" } ?? "")
    }
}

/// The env-file change the survey found, kept for the outcome and the audit line.
final class PlannedChange: Sendable {
    private let stored = Mutex<EnvFile.Change?>(nil)
    var value: EnvFile.Change? { stored.withLock { $0 } }
    func set(_ value: EnvFile.Change) { stored.withLock { $0 = value } }
}
