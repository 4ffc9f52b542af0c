import Foundation
import Logging

/// Where alerts go: the notification queue in the daemon, a recorder in tests.
public protocol AlertSink: Sendable {
    /// Queues `alert` for `receivers` (and the journal). Must return at once: a dead
    /// receiver never holds up a cycle.
    func enqueue(_ alert: Alert, to receivers: [String]) async
    /// As `enqueue(_:to:)`, each receiver's delivery settling its outbox row in `tickets`;
    /// `journal` false for an alert replayed from the outbox (the journal has it already).
    func enqueue(_ alert: Alert, to receivers: [String], tickets: [String: Int64], journal: Bool) async
    func stats() async -> [MonitorSnapshot.NotifierSample]
}

/// One monitor cycle: health checks and journal findings → alert policy → auto-recovery →
/// persisted state and a snapshot for metrics. Keeps what must survive between cycles
/// (restart counters, traceback blocks, totals) and loads/saves the rest in the state DB.
///
/// An actor because that state changes across the awaits of a cycle (checks, recovery,
/// alert hand-off): its callers are already async, and the loop's one-cycle-at-a-time use
/// needs no lock held over an await.
public actor MonitorCycle {
    public let deployment: Deployment
    let suite: HealthSuite
    let sink: AlertSink
    let logger: Logger
    let host: String
    let recovery: MonitorRecovery
    let autoHalt: MonitorAutoHalt
    private let policy: AlertPolicy
    public nonisolated let router: AlertRouter
    private var state = MonitorState()
    private var patterns: PatternCounter
    private var grouper = TracebackGrouper()
    /// Unit → `log_format`, for units whose lines state their level.
    private let formats: [String: LineFormat]
    private var previousRestarts: [String: Int]?
    private var totals = Totals()
    private var loaded = false
    /// Alerts decided this cycle, handed to the sink once the state recording them is saved.
    private var outgoing: [(alert: Alert, receivers: [String])] = []
    private var replayed = false
    /// The daemon's config file, looked at every cycle (nil for `--once` and in tests).
    private var configWatch: ConfigWatch?
    /// The config file changed and loads: the daemon exits after this cycle for systemd to
    /// start it on the new one.
    public private(set) var configChanged = false
    private var openedStore: StateStore?
    /// Why the state database would not open at the last try (nil: it did, or it does not exist).
    private var stateUnusable: String?
    /// The components' `log_files`, read each cycle into the same path as journal entries.
    var logFiles: LogFileFollower

    struct Totals {
        var journalErrors: [String: Int] = [:]
        var patternMatches: [String: Int] = [:]
        var alerts: [Alert.Kind: Int] = [:]
        var muted: [String: Int] = [:]
        var cycles = 0
    }

    public init(suite: HealthSuite, sink: AlertSink, logger: Logger, host: String = ProcessInfo.processInfo.hostName) {
        self.deployment = suite.deployment
        self.suite = suite
        self.sink = sink
        self.logger = logger
        self.host = host
        let router = AlertRouter(alerts: suite.deployment.alerts, market: suite.deployment.market)
        self.router = router
        policy = AlertPolicy(monitor: suite.deployment.monitor, alerts: suite.deployment.alerts, router: router)
        patterns = PatternCounter(patterns: PatternCounter.patterns(of: suite.deployment.monitor))
        recovery = MonitorRecovery(suite: suite, logger: logger)
        autoHalt = MonitorAutoHalt(suite: suite, logger: logger)
        formats = suite.journalFormats
        logFiles = LogFileFollower(
            sources: LogFileSource.all(suite.deployment) { suite.fileSystem.hostPath($0) }, positions: nil)
    }

    nonisolated var layout: DeployLayout { suite.layout }

    /// The state DB, opened once per monitor process (when the project has been deployed; no
    /// DB yet: nothing to remember, and it is looked for again next cycle).
    func store() -> StateStore? {
        if let openedStore { return openedStore }
        guard suite.fileSystem.info(layout.stateDir) != nil else { return nil }
        do {
            openedStore = try StateStore(path: suite.fileSystem.hostPath(layout.stateDatabase))
            stateUnusable = nil
        } catch {
            // Tried again next cycle (moved aside, the next open creates a new one); meanwhile
            // the backup check says why nothing about the backups is known.
            stateUnusable = "\(error)"
        }
        return openedStore
    }

    /// Watches the config file the daemon runs on (`ConfigWatch`).
    public func watchConfig(_ watch: ConfigWatch) { configWatch = watch }

    /// Saved journal position, for the follower to resume from.
    public func savedCursor() -> String? {
        loadState()
        return state.journalCursor
    }

    private func loadState() {
        guard !loaded else { return }
        loaded = true
        guard let store = store() else { return }
        state = (try? store.monitorState()) ?? MonitorState()
        patterns.hits = state.patternHits
        logFiles = LogFileFollower(sources: logFiles.sources, positions: state.logFiles)
        previousRestarts = try? store.lastHealthRestarts()
    }

    /// Runs one cycle. `journal` is what the follower saw since the previous cycle; nil
    /// while a deploy holds the lock (the follower keeps it for the next cycle).
    public func run(journal: () -> JournalFollower.Batch) async -> MonitorSnapshot {
        loadState()
        await replayOutbox()
        let clock = ContinuousClock()
        let started = clock.now
        let now = Date()
        let holder = LockSurvey.holder(of: suite.fileSystem.hostPath(layout.lockFile))
        let halted = suite.fileSystem.info(deployment.killSwitch.file) != nil
        let silenced = halted ? Self.stoppedByKillSwitch(deployment) : []

        var suite = self.suite
        suite.now = now
        var history = suite.history(store: store())
        history.stateUnusable = stateUnusable
        if let previousRestarts { history.restarts = previousRestarts }
        let results = await HealthRunner().run(suite.checks(history: history))
        let report = HealthReport(project: deployment.project.name, at: now, results: results)
        let restarts = report.restartCounters(project: deployment.project.name)
        previousRestarts = restarts
        let store = store()
        try? store?.recordHealth(report, restarts: restarts, keep: deployment.health.historyKeep)

        let ranking = SessionSeverity(deployment)
        var observations = results.filter { !Self.isSilenced($0, silenced) }.map {
            ranking.rank(Observation($0), now: now)
        }
        if let verdict = configWatch?.check() {
            observations.append(ConfigWatch.observation(verdict))
            configChanged = verdict == .changed
        }
        if holder == nil {
            var batch = journal()
            if batch.gaps > 0 { logger.warning("journal: \(batch.gaps) gap(s); entries may have been missed") }
            batch.events += logFiles.poll(now: now)
            absorb(batch, now: now)
            state.journalCursor = batch.cursor
            state.logFiles = logFiles.sources.isEmpty ? nil : logFiles.positions
            observations += patterns.observations(now: now)
            let alerts = policy.evaluate(
                observations, states: &state.alerts, now: now, project: deployment.project.name, host: host)
            var escalations: [Alert] = []
            if deployment.monitor.autoRestart {
                // Actor state cannot be passed inout across an await: recover a copy, keep the result.
                var restarts = state.restarts
                escalations = await recovery.recover(
                    report: report, silenced: silenced, history: &restarts, now: now, project: deployment.project.name,
                    host: host, store: store)
                state.restarts = restarts
            }
            let mutes = self.mutes(store, now: now)
            for alert in alerts + escalations { await send(alert, mutes: mutes) }
            var autoHaltState = state.autoHalt
            let halting = await autoHalt.run(
                alerts + escalations, state: &autoHaltState, halted: halted, now: now, host: host, store: store)
            state.autoHalt = autoHaltState
            for alert in halting { await send(alert, mutes: mutes) }
            forgetLapsedAcknowledgements(mutes, store: store)
        } else {
            logger.info("deploy in progress (\(holder ?? "")): alerts and auto-recovery paused")
        }
        state.patternHits = patterns.hits
        await saveAndSend(store)

        totals.cycles += 1
        var snapshot = MonitorSnapshot(project: deployment.project.name, at: now, status: report.status)
        snapshot.checks = results
        snapshot.halted = halted
        snapshot.deploying = holder != nil
        snapshot.components = components(report)
        snapshot.journalErrors = totals.journalErrors
        snapshot.patternMatches = totals.patternMatches
        snapshot.alerts = totals.alerts
        snapshot.muted = totals.muted
        snapshot.notifiers = await sink.stats()
        snapshot.cycles = totals.cycles
        if let newest = history.catalog.first(where: { $0.status == "complete" }) {
            snapshot.lastBackupAt = newest.created
            snapshot.lastBackupBytes = newest.size
        }
        snapshot.lastDeployAt = (try? store?.lastSuccessfulDeploy())??.finishedAt
        let elapsed = clock.now - started
        snapshot.cycleSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return snapshot
    }

    private func send(_ alert: Alert, mutes: AlertMutes = AlertMutes()) async {
        totals.alerts[alert.kind, default: 0] += 1
        // A recovery is never muted: it goes exactly where its alert went before the silence
        // (the router's record), so an incident a pager opened is resolved, and one that was
        // silenced from the start went nowhere and recovers nowhere.
        if alert.kind != .recovered, let mute = mutes.mute(alert, state: state.alerts[alert.key], at: alert.at) {
            // The journal still records it; no receiver gets it.
            totals.muted[mute.label, default: 0] += 1
            outgoing.append((alert.muted(mute), []))
            return
        }
        let receivers = router.receivers(for: alert, sent: &state.routing, now: alert.at)
        outgoing.append((alert, receivers))
    }

    /// Saves the state and this cycle's alerts (the outbox) in one transaction, then hands the
    /// alerts over: a kill at any point neither loses an alert nor re-decides one (AlertOutbox).
    /// Without a state DB, or when it refuses the write, they are sent all the same.
    private func saveAndSend(_ store: StateStore?) async {
        let sending = outgoing
        outgoing = []
        var tickets = [[String: Int64]](repeating: [:], count: sending.count)
        do {
            if let store { tickets = try store.saveMonitorState(state, outbox: sending) }
        } catch {
            logger.warning("monitor state not saved: \(error)")
        }
        for entry in sending {
            CrashPoint.hit("monitor: alert \(entry.alert.key) recorded, not yet handed to the receivers")
        }
        for (index, entry) in sending.enumerated() {
            await sink.enqueue(entry.alert, to: entry.receivers, tickets: tickets[index], journal: true)
        }
    }

    /// Once per process: what a previous monitor recorded but did not see delivered.
    private func replayOutbox() async {
        guard !replayed else { return }
        replayed = true
        guard let store = store() else { return }
        do {
            for entry in try store.outbox() {
                await sink.enqueue(
                    entry.alert, to: [entry.receiver], tickets: [entry.receiver: entry.id], journal: false)
            }
        } catch {
            logger.warning("alert outbox not read: \(error)")
        }
    }

    /// The silences and acknowledgements in force, read once per cycle (none without a state DB).
    private func mutes(_ store: StateStore?, now: Date) -> AlertMutes {
        guard let store else { return AlertMutes() }
        do { return try store.alertMutes(at: now) } catch {
            logger.warning("silences and acknowledgements not read: \(error)")
            return AlertMutes()
        }
    }

    /// An acknowledgement lapses when its state changes (recovery, severity, a new episode).
    private func forgetLapsedAcknowledgements(_ mutes: AlertMutes, store: StateStore?) {
        let lapsed = mutes.lapsed(state.alerts)
        guard !lapsed.isEmpty else { return }
        do { try store?.removeAcknowledgements(keys: lapsed) } catch {
            logger.warning("lapsed acknowledgements not removed: \(error)")
        }
    }

    /// Judges each entry by the level its line states (components with a `log_format`), then
    /// groups tracebacks, counts errors per component and pattern matches.
    private func absorb(_ batch: JournalFollower.Batch, now: Date) {
        var events: [JournalEvent] = []
        for event in batch.events { events += grouper.feed(event.classified(by: formats[event.unit])) }
        events += grouper.flush(olderThan: now.addingTimeInterval(-5))
        let prefix = "\(deployment.project.name)-"
        for event in events {
            let component = String(event.unit.dropFirst(prefix.count).dropLast(".service".count))
            if event.isError { totals.journalErrors[component, default: 0] += 1 }
            for name in patterns.record(event) { totals.patternMatches[name, default: 0] += 1 }
        }
    }

    private func components(_ report: HealthReport) -> [MonitorSnapshot.ComponentSample] {
        deployment.components.map { component in
            let unit = report.results.first { ($0.kind == .unit || $0.kind == .timer) && $0.target == component.name }
            let restarts = unit?.restarts ?? 0
            return .init(
                name: component.name, kind: component.kind, up: unit.map { $0.status != .critical } ?? false,
                restarts: restarts, monitorRestarts: recovery.restartCount(component.name))
        }
    }

    /// Components the kill switch stops, and those that require them (systemd stops those too).
    static func stoppedByKillSwitch(_ deployment: Deployment) -> Set<String> {
        var stopped = Set(deployment.killSwitch.components)
        var changed = true
        while changed {
            changed = false
            for component in deployment.components where !stopped.contains(component.name) {
                if component.requires.contains(where: stopped.contains) {
                    stopped.insert(component.name)
                    changed = true
                }
            }
        }
        return stopped
    }

    /// A halt is deliberate: the kill switch itself and what it stopped are not incidents.
    static func isSilenced(_ result: CheckResult, _ silenced: Set<String>) -> Bool {
        if result.kind == .killSwitch { return true }
        return silenced.contains(result.target)
    }
}
