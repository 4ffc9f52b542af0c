import Foundation
import Logging
import ServiceLifecycle

/// `tradectl monitor`: the cycle loop as a swift-service-lifecycle `Service`.
///
/// systemd protocol (Type=notify): `READY=1` once the first cycle is done, `STATUS=` after
/// every cycle, and `WATCHDOG=1` from this loop — after each cycle and while it waits for
/// the next one, at half the watchdog interval — so a wedged cycle stops the pings and
/// systemd's watchdog restarts the monitor. A separate ticker would keep pinging for a
/// monitor that no longer monitors.
public struct MonitorDaemon: Service {
    public var cycle: MonitorCycle
    public var follower: JournalFollower
    public var interval: Duration
    /// From `WATCHDOG_USEC` (systemd's WatchdogSec=); nil when not supervised.
    public var watchdog: Duration?
    public var logger: Logger
    /// Called with every cycle's snapshot (metrics server, textfile).
    public var publish: @Sendable (MonitorSnapshot) async -> Void
    var notify: @Sendable (String) -> Void = { ServiceNotifier.notify($0) }

    public init(
        cycle: MonitorCycle, follower: JournalFollower, interval: Duration, watchdog: Duration?, logger: Logger,
        publish: @escaping @Sendable (MonitorSnapshot) async -> Void
    ) {
        self.cycle = cycle
        self.follower = follower
        self.interval = interval
        self.watchdog = watchdog
        self.logger = logger
        self.publish = publish
    }

    public func run() async throws {
        follower.start()
        defer { follower.stop() }
        let clock = ContinuousClock()
        var first = true
        logger.info("monitor started: every \(interval), watchdog \(watchdog.map { "\($0)" } ?? "off")")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let next = clock.now + interval
            let snapshot = await cycle.run(journal: follower.drain)
            await publish(snapshot)
            let status = "STATUS=\(Self.statusLine(snapshot))"
            notify(first ? "READY=1\n\(status)" : status)
            if watchdog != nil { notify("WATCHDOG=1") }
            first = false
            if await cycle.configChanged {
                // Systemd (Restart=always) starts it again on the new config; the outbox and the
                // saved state carry the alerts across.
                logger.notice("the config file changed and loads: exiting to be restarted on it")
                break
            }
            guard await waitUntil(next, clock: clock) else { break }
        }
        notify("STOPPING=1")
        logger.info("monitor stopped")
    }

    /// Sleeps until `deadline` in slices of half the watchdog interval, pinging after each.
    /// False when a graceful shutdown (SIGTERM/SIGINT) or cancellation interrupted it.
    private func waitUntil(_ deadline: ContinuousClock.Instant, clock: ContinuousClock) async -> Bool {
        while clock.now < deadline {
            let remaining = deadline - clock.now
            let slice = watchdog.map { min(remaining, $0 / 2) } ?? remaining
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: slice) }
            } catch {
                return false
            }
            if watchdog != nil { notify("WATCHDOG=1") }
        }
        return !Task.isShuttingDownGracefully
    }

    /// `ok — 3/3 up, 0 firing, cycle 12 in 0.41s`, shown by `systemctl status`.
    public static func statusLine(_ snapshot: MonitorSnapshot) -> String {
        let up = snapshot.components.filter(\.up).count
        var parts = [
            "\(snapshot.status.rawValue)", "\(up)/\(snapshot.components.count) components up",
            "cycle \(snapshot.cycles) in \(String(format: "%.2f", snapshot.cycleSeconds))s",
        ]
        if snapshot.halted { parts.append("HALTED") }
        if snapshot.deploying { parts.append("deploy in progress: alerts paused") }
        let bad = snapshot.checks.filter { $0.status != .ok }.map {
            $0.target.isEmpty ? $0.check : "\($0.check)/\($0.target)"
        }
        if !bad.isEmpty { parts.append("not ok: " + bad.prefix(4).joined(separator: ", ")) }
        return parts.joined(separator: " — ")
    }
}
