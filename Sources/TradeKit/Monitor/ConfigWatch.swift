import Foundation

/// The config file a running monitor was started on, looked at again every cycle.
///
/// The monitor reads its config once, at start. An edit that breaks it used to go unnoticed
/// until the next restart (systemd's after a crash, or the watchdog's), which then failed:
/// no monitoring at all, and nobody told. Now a changed file is loaded each time its bytes
/// change: invalid, the monitor keeps running on the config it has and raises the `config`
/// check (file, line, key of the first error) through the alert policy, so it alerts once;
/// valid again (or changed and valid), the monitor exits for systemd (Restart=always) to
/// start it on the new config, where the check is ok and the alert recovers.
public struct ConfigWatch: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The bytes the monitor started on.
        case unchanged
        /// Changed and does not load: the first error, and how many there are.
        case invalid(first: ConfigIssue, errors: Int)
        /// Changed and loads: restart to run on it.
        case changed
    }

    public let path: String
    let environment: [String: String]
    private let running: Data?
    /// The last bytes judged and the verdict: an unchanged broken file is not parsed every cycle.
    private var judged: (bytes: Data?, verdict: Verdict)?

    public init(path: String, environment: [String: String]) {
        self.path = path
        self.environment = environment
        running = FileManager.default.contents(atPath: path)
    }

    public mutating func check() -> Verdict {
        let bytes = FileManager.default.contents(atPath: path)
        if bytes == running { return .unchanged }
        if let judged, judged.bytes == bytes { return judged.verdict }
        let verdict: Verdict
        do {
            _ = try ConfigLoader(environment: environment).load(path: path)
            verdict = .changed
        } catch let error as ConfigError {
            let errors = error.errors.isEmpty ? error.issues : error.errors
            verdict = .invalid(
                first: errors.first ?? ConfigIssue(.error, file: path, line: nil, key: "config", message: "invalid"),
                errors: max(errors.count, 1))
        } catch {
            verdict = .invalid(
                first: ConfigIssue(.error, file: path, line: nil, key: "config", message: "\(error)"), errors: 1)
        }
        judged = (bytes, verdict)
        return verdict
    }

    /// What the alert policy sees for `verdict`: the `config` check, critical while the file
    /// does not load (the next restart of the monitor would fail), ok otherwise.
    public static func observation(_ verdict: Verdict) -> Observation {
        guard case .invalid(let first, let errors) = verdict else {
            return Observation(key: "config", check: "config", target: "", status: .ok, summary: "the config loads")
        }
        let more = errors > 1 ? " (and \(errors - 1) more error\(errors > 2 ? "s" : ""))" : ""
        return Observation(
            key: "config", check: "config", target: "", status: .critical,
            summary: "the config no longer loads: \(first)\(more); the monitor keeps running on the config it "
                + "started with, but would not start again: fix the file (`tradectl config check`)")
    }
}
