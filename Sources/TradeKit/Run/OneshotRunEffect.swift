import Foundation

/// Runs a oneshot component's service to its end: a start job, which for `Type=oneshot`
/// finishes only when the program exits, then its `Result` and exit status.
public struct RunOneshot: Effect {
    public var component: String
    public var unit: String
    public var typeName: String { "run" }
    public var target: String { unit }
}

/// How a run ended, read from the unit after its start job: the report's output of `RunOneshot`.
public struct OneshotResult: Sendable, Equatable {
    public var component: String
    public var unit: String
    /// The unit's `Result`: success, exit-code, signal, timeout, …
    public var result: String
    /// `ExecMainStatus`: the exit status, or the signal number when `killed`.
    public var status: Int?
    /// `ExecMainCode` said the program was killed by a signal (2) or dumped core (3).
    public var killed: Bool
    /// `ExecMainPID`: the process whose stdout journald stored, to find lines it could not
    /// attribute to the unit (see `UnattributedLines`).
    public var mainPID: Int32?

    public var succeeded: Bool { result == "success" && (status ?? 0) == 0 && !killed }

    /// `exit status 3`, `killed by signal 9`.
    public var statusText: String {
        guard let status else { return "no exit status" }
        return killed ? "killed by signal \(status)" : "exit status \(status)"
    }

    /// From the properties `OneshotRunHandler.propertyNames` read.
    init(component: String, unit: String, properties: [String: String]) {
        self.component = component
        self.unit = unit
        result = properties["Result"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        status = properties["ExecMainStatus"].flatMap { Int($0) }
        // CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3 (waitid(2)).
        killed = ["2", "3"].contains(properties["ExecMainCode"] ?? "")
        mainPID = properties["ExecMainPID"].flatMap { Int32($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    public init(component: String, unit: String, result: String, status: Int?, killed: Bool = false) {
        self.component = component
        self.unit = unit
        self.result = result
        self.status = status
        self.killed = killed
    }
}

/// A oneshot run that did not succeed (exit 1): names the unit's Result and ExecMainStatus.
public struct ComponentRunFailed: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .failure }
    public var outcome: OneshotResult
    /// The start job's result when it was not "done" (failed, canceled, dependency …).
    public var jobResult: String?

    public var description: String {
        var text =
            "\(outcome.component) (\(outcome.unit)) failed: Result=\(outcome.result), "
            + "ExecMainStatus=\(outcome.status.map(String.init) ?? "unknown") (\(outcome.statusText))"
        if let jobResult, jobResult != "failed" { text += ", start job \(jobResult)" }
        return text + "; see `tradectl logs \(outcome.component)`"
    }
}

/// Applies `RunOneshot` through the service manager.
public struct OneshotRunHandler: EffectHandler {
    public var services: ServiceManager

    public init(services: ServiceManager) { self.services = services }

    static let propertyNames = ["Result", "ExecMainStatus", "ExecMainCode", "ExecMainPID"]

    public func apply(_ effect: RunOneshot) async throws -> (any Sendable)? {
        var jobResult: String?
        do {
            try await services.perform(.start, units: [effect.unit])
        } catch let failed as UnitJobFailed {
            jobResult = failed.result
        }
        let properties = try await services.properties(Self.propertyNames, of: [effect.unit])[effect.unit] ?? [:]
        let outcome = OneshotResult(component: effect.component, unit: effect.unit, properties: properties)
        guard jobResult == nil, outcome.succeeded else {
            throw ComponentRunFailed(outcome: outcome, jobResult: jobResult)
        }
        return outcome
    }
}
