import Foundation

/// The newest verified off-site copy is younger than `backup.offsite.max_age`, and the newest
/// archive's upload did not fail. A warning, never critical: the local backups stand, and the
/// next backup retries every archive not yet verified off-site.
public struct OffsiteCheck: Check {
    public let kind = CheckKind.offsite
    public var timeout: Duration
    /// The target's label, for the result's target.
    public var remote: String
    public var copies: [OffsiteCopy]
    public var catalog: [CatalogEntry]
    public var maxAge: ConfigDuration
    public var now: Date

    public init(
        timeout: Duration, remote: String, copies: [OffsiteCopy], catalog: [CatalogEntry], maxAge: ConfigDuration,
        now: Date
    ) {
        self.timeout = timeout
        self.remote = remote
        self.copies = copies
        self.catalog = catalog
        self.maxAge = maxAge
        self.now = now
    }

    public var target: String { remote }

    public func run() async -> [CheckResult] {
        let failed = copies.filter { $0.status != "verified" }.sorted { $0.created > $1.created }
        let failure =
            failed.first.map { " (\(failed.count) not verified; \($0.archive): \($0.error ?? $0.status))" } ?? ""
        guard let newest = copies.filter(\.isVerified).max(by: { $0.created < $1.created }) else {
            if catalog.isEmpty && failed.isEmpty {
                return [.init(check: name, target: remote, status: .ok, summary: "no backup to copy off-site yet")]
            }
            return [
                .init(
                    check: name, target: remote, status: .warning,
                    summary: "no verified off-site copy yet\(failure) (tradectl backup push)")
            ]
        }
        let age = now.timeIntervalSince(newest.created)
        let metrics = [Metric("offsite_age", age.rounded(), unit: "s", warn: maxAge.seconds, min: 0)]
        if age > maxAge.seconds {
            return [
                .init(
                    check: name, target: remote, status: .warning,
                    summary: "newest verified off-site copy \(newest.archive) is \(TimerCheck.span(age)) old "
                        + "(max \(maxAge))\(failure)", metrics: metrics)
            ]
        }
        if let latestFailure = failed.first, latestFailure.created > newest.created {
            return [
                .init(
                    check: name, target: remote, status: .warning,
                    summary: "newer archives are not off-site\(failure); newest verified copy \(newest.archive)",
                    metrics: metrics)
            ]
        }
        return [
            .init(
                check: name, target: remote, status: .ok,
                summary: "\(newest.archive), \(TimerCheck.span(age)) old, verified off-site", metrics: metrics)
        ]
    }
}
