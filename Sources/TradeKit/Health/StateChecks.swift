import Foundation

/// The newest complete backup is younger than `health.backup_max_age`; its verification is known.
public struct BackupFreshnessCheck: Check {
    public let kind = CheckKind.backup
    public var timeout: Duration
    public var catalog: [CatalogEntry]
    public var maxAge: ConfigDuration
    public var now: Date
    /// First successful deploy. A fresh deploy has no backup until the first scheduled one, which
    /// is no more a problem than a timer that has not fired yet — so that is OK for `maxAge`
    /// after the deploy (no alert on every new install) and critical after it.
    public var deployedAt: Date? = nil
    /// The last `backup` run's audit row: when it failed after the newest complete archive, the
    /// check says so and why (a full disk, a locked database) instead of only the archive's age.
    public var lastRun: AuditEntry? = nil
    /// The state database (the catalog) could not be read: nothing about the backups is known.
    public var stateUnusable: String? = nil

    public func run() async -> [CheckResult] {
        if let stateUnusable {
            return [
                .init(
                    check: name, target: "backup", status: .critical,
                    summary: "cannot read the backup catalog: \(stateUnusable)")
            ]
        }
        let results = judgeNewest()
        guard let failure = lastRun, failure.result.hasPrefix("failed"),
            failure.at > (newestComplete?.created ?? .distantPast), var result = results.first
        else { return results }
        let reason = failure.result.dropFirst("failed".count).drop { $0 == ":" || $0 == " " }
        result.summary =
            "the last backup, \(TimerCheck.format(failure.at)), failed: \(reason) — \(result.summary)"
        if result.status == .ok { result.status = .warning }
        return [result]
    }

    var newestComplete: CatalogEntry? {
        catalog.filter({ $0.status == "complete" }).max(by: { $0.created < $1.created })
    }

    private func judgeNewest() -> [CheckResult] {
        guard let newest = newestComplete else {
            guard let deployedAt else {
                return [.init(check: name, target: "backup", status: .warning, summary: "no backup in the catalog yet")]
            }
            let since = now.timeIntervalSince(deployedAt)
            if since > maxAge.seconds {
                return [
                    .init(
                        check: name, target: "backup", status: .critical,
                        summary: "no backup in the \(TimerCheck.span(since)) since the first deploy (max \(maxAge))")
                ]
            }
            return [
                .init(
                    check: name, target: "backup", status: .ok,
                    summary:
                        "no backup yet; deployed \(TimerCheck.span(since)) ago, the first scheduled one is due within \(maxAge)"
                )
            ]
        }
        let age = now.timeIntervalSince(newest.created)
        let metrics = [Metric("backup_age", age.rounded(), unit: "s", crit: maxAge.seconds, min: 0)]
        let file = (newest.path as NSString).lastPathComponent
        if age > maxAge.seconds {
            return [
                .init(
                    check: name, target: "backup", status: .critical,
                    summary: "newest backup \(file) is \(TimerCheck.span(age)) old (max \(maxAge))", metrics: metrics)
            ]
        }
        guard let verified = catalog.compactMap(\.verifiedAt).max() else {
            return [
                .init(
                    check: name, target: "backup", status: .warning,
                    summary: "\(file) is fresh but no backup was ever verified (tradectl backup verify latest)",
                    metrics: metrics)
            ]
        }
        return [
            .init(
                check: name, target: "backup", status: .ok,
                summary: "\(file), \(TimerCheck.span(age)) old; last verified \(TimerCheck.format(verified))",
                metrics: metrics)
        ]
    }
}

/// Env files hold API keys: mode 0600 and owned by the service user.
public struct SecretsCheck: Check {
    public let kind = CheckKind.secrets
    public var timeout: Duration
    public var files: [String]
    public var owner: String?
    public var fileSystem: FileSystem

    public func run() async -> [CheckResult] {
        let uid = owner.flatMap { getpwnam($0)?.pointee.pw_uid }
        return files.map { path in
            guard let info = fileSystem.info(path) else {
                return .init(check: name, target: path, status: .warning, summary: "\(path) is missing")
            }
            if info.mode & 0o077 != 0 {
                return .init(
                    check: name, target: path, status: .critical,
                    summary: "\(path) is mode \(String(info.mode, radix: 8)); run chmod 600")
            }
            if let uid, info.uid != uid {
                return .init(
                    check: name, target: path, status: .warning,
                    summary: "\(path) is owned by uid \(info.uid), not \(owner ?? "")")
            }
            return .init(check: name, target: path, status: .ok, summary: "\(path) is 0600")
        }
    }
}

/// The kill switch: engaged is a warning (trading is halted on purpose), with its reason.
public struct KillSwitchCheck: Check {
    public let kind = CheckKind.killSwitch
    public var timeout: Duration
    public var path: String
    public var fileSystem: FileSystem

    public func run() async -> [CheckResult] {
        guard fileSystem.info(path) != nil else {
            return [.init(check: name, target: "kill-switch", status: .ok, summary: "not engaged")]
        }
        let reason =
            fileSystem.read(path).map { String(decoding: $0, as: UTF8.self) }?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return [
            .init(
                check: name, target: "kill-switch", status: .warning,
                summary: "ENGAGED: trading is halted\(reason.isEmpty ? "" : " (\(reason))")")
        ]
    }
}

/// `current` points at the release the state DB says was deployed last.
public struct ReleaseCheck: Check {
    public let kind = CheckKind.release
    public var timeout: Duration
    public var current: String?
    public var recorded: String?

    public func run() async -> [CheckResult] {
        switch (current, recorded) {
        case (nil, _):
            return [
                .init(
                    check: name, target: "release", status: .critical,
                    summary: "no current release (run tradectl deploy)")
            ]
        case (let current?, nil):
            return [
                .init(
                    check: name, target: "release", status: .warning,
                    summary: "current is \(current) but the state DB has no deploy record")
            ]
        case (let current?, let recorded?) where current != recorded:
            return [
                .init(
                    check: name, target: "release", status: .warning,
                    summary: "current is \(current) but the last deploy recorded \(recorded)")
            ]
        case (let current?, _):
            return [.init(check: name, target: "release", status: .ok, summary: "current is \(current)")]
        }
    }
}
