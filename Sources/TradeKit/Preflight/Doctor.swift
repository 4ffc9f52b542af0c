import Foundation

/// The pre-flight found errors: `deploy` and `update` stop before planning (exit 1).
public struct PreflightFailed: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .failure }
    public var failures: [CheckResult]

    public init(failures: [CheckResult]) { self.failures = failures }

    public var description: String {
        "pre-flight failed: "
            + failures.map { "\($0.check) \($0.target): \($0.summary)" }.joined(separator: "; ")
            + " (run `tradectl doctor` for every check; --skip-preflight to deploy anyway)"
    }
}

/// `tradectl doctor`, and the pre-flight of `deploy` and `update`: survey the host, judge, report.
public struct Doctor: Sendable {
    public var survey: PreflightSurvey

    public init(survey: PreflightSurvey) { self.survey = survey }

    /// Looks up the project's service manager itself (ports held by its own units); never
    /// fails for want of one.
    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String], offline: Bool,
        launcher: ProcessLauncher = SubprocessLauncher()
    ) async {
        let services = await ServiceLookup.find(scope: deployment.project.scope, offline: offline)
        survey = PreflightSurvey(
            deployment: deployment, layout: DeployLayout(deployment, environment: environment),
            fileSystem: fileSystem, launcher: launcher, offline: offline, services: services.manager)
    }

    public func report(now: Date = Date()) async -> HealthReport {
        let facts = await survey.gather()
        let results = PreflightJudge(deployment: survey.deployment, facts: facts).results()
        return HealthReport(project: survey.deployment.project.name, at: now, results: results)
    }

    /// The report, or `PreflightFailed` naming every error; warnings are left to the caller to print.
    public func gate() async throws -> HealthReport {
        let report = await report()
        let failures = report.results.filter { $0.status == .critical }
        if !failures.isEmpty { throw PreflightFailed(failures: failures) }
        return report
    }
}
