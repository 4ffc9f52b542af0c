import Foundation

/// Free space of the filesystems holding data and backups (statvfs).
public struct DiskCheck: Check {
    public let kind = CheckKind.disk
    public var timeout: Duration
    /// Label → host path.
    public var paths: [(label: String, path: String)]
    public var warnPercent: Int
    public var critPercent: Int

    public func run() async -> [CheckResult] {
        paths.map { label, path in
            guard let (stats, probe) = Self.filesystem(of: path) else {
                return .init(check: name, target: label, status: .unknown, summary: "statvfs(\(path)) failed")
            }
            let free = Double(stats.f_bavail) * Double(stats.f_frsize)
            let used = Self.usedPercent(blocks: stats.f_blocks, free: stats.f_bfree, available: stats.f_bavail)
            let status: HealthStatus =
                used >= Double(critPercent) ? .critical : used >= Double(warnPercent) ? .warning : .ok
            return .init(
                check: name, target: label, status: status,
                summary: String(format: "%.0f%% used, %.1f GiB free on %@", used, free / 1_073_741_824, probe),
                metrics: [
                    Metric(
                        "\(label)_disk_used", (used * 10).rounded() / 10, unit: "%", warn: Double(warnPercent),
                        crit: Double(critPercent), min: 0, max: 100)
                ])
        }
    }
}

extension DiskCheck {
    /// statvfs of the filesystem holding `path`, or its nearest existing parent (a directory
    /// deploy has not created yet), and the path that answered.
    static func filesystem(of path: String) -> (statvfs, String)? {
        var stats = statvfs()
        var probe = path
        while statvfs(probe, &stats) != 0 {
            guard probe != "/" && !probe.isEmpty else { return nil }
            probe = (probe as NSString).deletingLastPathComponent
        }
        return (stats, probe)
    }

    /// Used space as `df` reports it (POSIX "Capacity"): used / (used + available to
    /// unprivileged users). Blocks reserved for root count as neither, so a filesystem with a
    /// large reserve is not reported fuller than `df` says (`1 - available/total` did).
    static func usedPercent(blocks: UInt, free: UInt, available: UInt) -> Double {
        let used = Double(blocks >= free ? blocks - free : 0)
        let denominator = used + Double(available)
        return denominator > 0 ? used / denominator * 100 : 0
    }
}

/// Memory available (MemAvailable of /proc/meminfo).
public struct MemoryCheck: Check {
    public let kind = CheckKind.memory
    public var timeout: Duration
    public var warnPercent: Int
    public var critPercent: Int
    public var meminfo: String = "/proc/meminfo"

    public func run() async -> [CheckResult] {
        guard let values = Self.read(meminfo) else {
            return [.init(check: name, target: "host", status: .unknown, summary: "cannot read \(meminfo)")]
        }
        guard let total = values["MemTotal"], let available = values["MemAvailable"], total > 0 else {
            return [.init(check: name, target: "host", status: .unknown, summary: "no MemAvailable in \(meminfo)")]
        }
        let percent = available / total * 100
        let status: HealthStatus =
            percent < Double(critPercent) ? .critical : percent < Double(warnPercent) ? .warning : .ok
        return [
            .init(
                check: name, target: "host", status: status,
                summary: String(
                    format: "%.0f%% available (%.1f of %.1f GiB)", percent, available / 1_073_741_824,
                    total / 1_073_741_824),
                metrics: [memoryMetric(percent)])
        ]
    }

    /// /proc/meminfo's fields in bytes (`MemAvailable` …); nil when it cannot be read.
    static func read(_ meminfo: String = "/proc/meminfo") -> [String: Double]? {
        guard let text = try? String(contentsOfFile: meminfo, encoding: .utf8) else { return nil }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let value = Double(parts[1]) { values[String(parts[0].dropLast())] = value * 1024 }
        }
        return values
    }

    private func memoryMetric(_ percent: Double) -> Metric {
        var metric = Metric(
            "memory_available", (percent * 10).rounded() / 10, unit: "%", warn: Double(warnPercent),
            crit: Double(critPercent),
            min: 0, max: 100)
        metric.lowerIsWorse = true
        return metric
    }
}
