import Foundation
import XCTest

/// The fault-matrix rows that need a booted systemd (docs/reliability.md, issue 15):
/// journald gone, the service manager unreachable, a slow backup disk. Each fault is
/// injected for real in a container of its own (`fsys-faults`), and each row asserts the
/// three promises: an exit status and one clear line; nothing lost (releases, the shared
/// `.env`, the archives and the catalog byte-identical, the live data still growing, no
/// temp file left); and that once the fault is gone the same command succeeds unaided.
///
/// Runs with the rest of the system-scope suite (`TRADECTL_SYSTEM_SUITE=1`, see
/// SystemScopeTests for how tradectl gets installed).
final class FaultMatrixSystemTests: XCTestCase {
    static let machine = "fsys-faults"
    nonisolated(unsafe) static var container: Container?
    nonisolated(unsafe) static var setupError: String?
    nonisolated(unsafe) static var disk: SlowDisk?

    override class func setUp() {
        super.setUp()
        guard SystemScopeTests.enabled else { return }
        do {
            try bootAndDeploy()
        } catch {
            setupError = "\(error)"
        }
    }

    override class func tearDown() {
        container?.stop()
        disk?.destroy()
        super.tearDown()
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(SystemScopeTests.enabled, "system-scope suite: set TRADECTL_SYSTEM_SUITE=1")
        if let error = Self.setupError { throw SuiteError("fault-matrix setup failed: \(error)") }
        continueAfterFailure = true
    }

    static func bootAndDeploy() throws {
        let cache = "\(SystemScopeTests.repoRoot)/.cache/booted-systemd"
        let container = Container(name: machine, repoRoot: SystemScopeTests.repoRoot)
        // Leftovers of an interrupted run first: its container holds the old bind.
        container.stop()
        var binds = ["--private-network"]
        if SystemScopeTests.deb == nil { binds.append("--bind-ro=/opt/swift") }
        if SlowDisk.available {
            let disk = SlowDisk(cacheDir: cache, name: "fsys-backupdisk")
            disk.destroy()
            try disk.create()
            self.disk = disk
            binds.append("--bind=\(disk.mountPoint):\(FaultProject.backups)")
        }
        let boot = try container.boot(binds: binds)
        guard boot.status == 0 else { throw SuiteError("boot: \(boot.output)") }
        self.container = container
        try SystemScopeTests.install(in: container)
        try FaultProject.write(into: container)
        let deploy = try container.exec(
            SystemScopeTests.environment + ["tradectl", "--config", FaultProject.config, "deploy"], timeout: 600)
        guard deploy.status == 0 else { throw SuiteError("deploy: \(deploy.output)") }
        let backup = try container.exec(
            SystemScopeTests.environment + ["tradectl", "--config", FaultProject.config, "backup", "--verify"],
            timeout: 300)
        guard backup.status == 0 else { throw SuiteError("first backup: \(backup.output)") }
    }

    // MARK: - Helpers

    var container: Container {
        get throws {
            guard let container = Self.container else { throw SuiteError("no container") }
            return container
        }
    }

    func tradectl(_ arguments: [String], timeout: Int = 300) throws -> RunResult {
        try container.exec(
            SystemScopeTests.environment + ["tradectl", "--config", FaultProject.config] + arguments,
            timeout: timeout)
    }

    /// What must survive every fault byte-identical: every file of every release, the
    /// `current` link, the shared `.env`, every archive and the unit files; listed with
    /// their SHA-256. (The live database is not here: it must keep growing, see `ticks`.)
    func untouched() throws -> String {
        try container.sh(
            """
            cd / && readlink \(FaultProject.root)/current; \
            find \(FaultProject.root)/releases \(FaultProject.root)/shared/.env \(FaultProject.backups) \
              /etc/systemd/system -path '*fsys*' -type f -print0 | sort -z | xargs -0 sha256sum
            """
        ).stdout
    }

    /// Rows the engine has written: live data keeps growing through a fault that is not its own.
    func ticks() throws -> Int {
        let out = try container.exec([
            "sqlite3", "\(FaultProject.root)/shared/data/app.db", "SELECT count(*) FROM ticks",
        ])
        return Int(out.trimmed) ?? -1
    }

    /// The catalog as `backup list --json` reports it: path and status per archive.
    func catalog() throws -> [String] {
        let list = try tradectl(["backup", "list", "--json"])
        let rows = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
        return rows.map { "\($0["path"] ?? "?") \($0["status"] ?? "?")" }.sorted()
    }

    /// Temp files tradectl could leave: partial archives and snapshot staging dirs.
    func leftovers() throws -> String {
        try container.sh(
            "find \(FaultProject.backups) \(FaultProject.root) -name '.*.partial' -o -name '.*.staging' -o -name '*.tmp'"
        ).trimmed
    }

    /// The audit rows (`tradectl audit --json`), as `command → result` lines.
    func audit() throws -> [String] {
        let out = try tradectl(["audit", "--json"])
        let rows = (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]]) ?? []
        return rows.map { "\($0["command"] ?? "?") → \($0["result"] ?? "?")" }
    }

    func systemctl(_ container: Container, _ arguments: [String]) throws -> RunResult {
        try container.exec(["systemctl", "--no-pager"] + arguments)
    }

    func assertOneClearLine(
        _ result: RunResult, status: Int32, contains needles: [String], _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, status, "\(label): \(result.output)", file: file, line: line)
        // One line says what failed: the error (or, for a command that succeeds, the warning);
        // pre-flight warnings before it (a clock that cannot be asked) are context, not noise.
        let lines = result.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let key = status == 0 ? "warning:" : "error:"
        XCTAssertEqual(
            lines.filter { $0.contains(key) }.count, 1, "\(label): one \(key) line, got:\n\(result.stderr)",
            file: file, line: line)
        XCTAssertTrue(
            lines.allSatisfy { $0.contains("error:") || $0.contains("warning") }, "\(label): \(result.stderr)",
            file: file, line: line)
        for needle in needles {
            XCTAssertTrue(
                result.stderr.contains(needle), "\(label): '\(needle)' in \(result.stderr)", file: file, line: line)
        }
    }

    /// Polls until the engine has written more rows than `before`.
    func assertLiveDataGrows(
        from before: Int, _ label: String, file: StaticString = #filePath, line: UInt = #line
    )
        throws
    {
        let grew = try container.eventually(30) { try ticks() > before }
        let now = try ticks()
        XCTAssertTrue(grew, "\(label): the engine's rows stayed at \(now) (were \(before))", file: file, line: line)
    }

    // MARK: - journald stopped, its sockets gone

    static let journaldUnits = [
        "systemd-journald.socket", "systemd-journald-dev-log.socket", "systemd-journald-audit.socket",
        "systemd-journald.service",
    ]

    /// journald down: `logs` still shows what the journal files hold and says, in one line,
    /// that nothing new is recorded; `health` and `monitor --once` turn the journal check
    /// WARNING naming it (not "0 errors" counted over a journal nothing reaches); `halt` and
    /// `resume` succeed, their audit rows in the state database. Once journald is back the
    /// same commands are clean and the scheduled backup logs to it again.
    func test1_journaldStopped() throws {
        let container = try container
        XCTAssertEqual(try tradectl(["health"]).status, 0, "health before the fault")
        let before = try untouched()
        let archives = try catalog()
        let auditBefore = try audit()

        let stop = try systemctl(container, ["stop"] + Self.journaldUnits)
        XCTAssertEqual(stop.status, 0, "stop journald: \(stop.output)")
        defer { _ = try? systemctl(container, ["start"] + Self.journaldUnits) }
        // The fault is real: nothing accepts a journal entry now.
        let probe = try container.sh("echo probe | systemd-cat -t fsys-probe")
        XCTAssertNotEqual(probe.status, 0, "systemd-cat still reached journald: \(probe.output)")
        let ticksBefore = try ticks()

        let logs = try tradectl(["logs", "-n", "5"])
        XCTAssertEqual(logs.status, 0, "logs reads the journal files: \(logs.output)")
        XCTAssertTrue(logs.stdout.contains("tick"), "the engine's earlier lines: \(logs.output)")
        assertOneClearLine(
            logs, status: 0, contains: ["journald is not running", "not being recorded", "systemctl start"], "logs")
        // The engine prints to the journal: its first write after the stop fails (EPIPE) and it
        // exits; systemd restarts it a second later, stdout on /dev/null. Health settles on
        // the one WARNING that remains, journald's.
        var health = try tradectl(["health"])
        _ = try container.eventually(60, every: 1) {
            health = try tradectl(["health"])
            return health.status == 1
        }
        XCTAssertEqual(health.status, 1, "health: WARNING: \(health.output)")
        XCTAssertTrue(
            health.stdout.contains("journald is not running") && health.stdout.contains("systemctl start"),
            "health names journald: \(health.output)")
        let monitor = try tradectl(["monitor", "--once"])
        XCTAssertEqual(monitor.status, 1, "monitor --once: \(monitor.output)")

        let halt = try tradectl(["halt", "--reason", "fault matrix: journald down"])
        XCTAssertEqual(halt.status, 0, "halt: \(halt.output)")
        XCTAssertEqual(try container.property(FaultProject.service, "ActiveState"), "inactive")
        let resume = try tradectl(["resume"])
        XCTAssertEqual(resume.status, 0, "resume: \(resume.output)")
        XCTAssertEqual(try container.property(FaultProject.service, "ActiveState"), "active")
        // tradectl under systemd (the scheduled backup) logs to the journal: its lines are
        // lost while journald is down, as every unit's are, but the run succeeds and its
        // audit row is in the state database.
        let scheduled = try systemctl(container, ["start", FaultProject.backupService])
        XCTAssertEqual(scheduled.status, 0, "scheduled backup with journald down: \(scheduled.output)")
        XCTAssertEqual(try container.property(FaultProject.backupService, "Result"), "success")
        // The audit trail is the state database, not the journal: nothing lost.
        let auditDuring = try audit()
        XCTAssertEqual(Array(auditDuring.prefix(auditBefore.count)), auditBefore, "earlier audit rows kept")
        XCTAssertTrue(auditDuring.dropFirst(auditBefore.count).contains { $0.contains("halt") }, "\(auditDuring)")
        XCTAssertTrue(auditDuring.dropFirst(auditBefore.count).contains { $0.contains("resume") }, "\(auditDuring)")
        XCTAssertTrue(auditDuring.dropFirst(auditBefore.count).contains { $0.contains("backup") }, "\(auditDuring)")
        // The engine restarted by resume runs with its output going nowhere (systemd: "Failed
        // to connect stdout to the journal socket, ignoring"), but runs: its rows grow.
        try assertLiveDataGrows(from: ticksBefore, "journald down")

        // journald back: the same commands, and a scheduled backup whose lines reach it.
        let start = try systemctl(container, ["start"] + Self.journaldUnits)
        XCTAssertEqual(start.status, 0, "start journald: \(start.output)")
        XCTAssertTrue(try container.eventually(30) { try container.sh("echo probe | systemd-cat").status == 0 })
        let logsAfter = try tradectl(["logs", "-n", "5"])
        XCTAssertEqual(logsAfter.status, 0, "\(logsAfter.output)")
        XCTAssertFalse(logsAfter.stderr.contains("journald is not running"), "\(logsAfter.stderr)")
        XCTAssertEqual(try tradectl(["health"]).status, 0)
        XCTAssertEqual(try tradectl(["monitor", "--once"]).status, 0)
        let backup = try systemctl(container, ["start", FaultProject.backupService])
        XCTAssertEqual(backup.status, 0, "\(backup.output)")
        let logged = try container.exec([
            "journalctl", "--no-pager", "-o", "cat", "_SYSTEMD_UNIT=\(FaultProject.backupService)",
        ])
        XCTAssertFalse(logged.trimmed.isEmpty, "the backup unit's lines are in the journal again")

        // Nothing lost: everything but the new archive as it was.
        let after = try untouched()
        for line in before.split(separator: "\n") {
            XCTAssertTrue(after.contains(line), "changed or gone: \(line)")
        }
        let catalogAfter = try catalog()
        XCTAssertTrue(Set(archives).isSubset(of: Set(catalogAfter)), "\(archives) → \(catalogAfter)")
        XCTAssertEqual(try leftovers(), "")
    }

    // MARK: - The service manager unreachable

    /// dbus stopped alone changes nothing for root (tradectl talks to PID 1 on its private
    /// socket, as systemctl does). With the private socket unreachable too (a bind mount of
    /// /dev/null over it: connect() is refused, PID 1 runs on), `status`, `health`,
    /// `deploy` and `halt` exit 69 with one line, and change nothing.
    func test2_serviceManagerUnreachable() throws {
        let container = try container
        let stopBus = try systemctl(container, ["stop", "dbus.socket", "dbus.service"])
        XCTAssertEqual(stopBus.status, 0, "stop dbus: \(stopBus.output)")
        defer { _ = try? systemctl(container, ["start", "dbus.socket"]) }
        for command in [["status"], ["health"], ["deploy"]] {
            let result = try tradectl(command)
            XCTAssertEqual(result.status, 0, "\(command) without dbus-daemon: \(result.output)")
        }
        let before = try untouched()
        let auditBefore = try audit()
        let ticksBefore = try ticks()

        let mask = try container.sh("mount --bind /dev/null /run/systemd/private")
        XCTAssertEqual(mask.status, 0, "mask the private socket: \(mask.output)")
        defer { _ = try? container.sh("umount /run/systemd/private") }
        // The fault is real: systemctl cannot reach the manager either.
        XCTAssertNotEqual(try container.exec(["systemctl", "is-system-running"]).status, 0)

        let status = try tradectl(["status"])
        assertOneClearLine(
            status, status: 69, contains: ["systemd is not reachable", "/run/systemd/private", "is-system-running"],
            "status")
        XCTAssertTrue(status.stdout.contains("unreachable"), "the report still printed: \(status.stdout)")
        let health = try tradectl(["health"])
        XCTAssertNotEqual(health.status, 0, "health: \(health.output)")
        XCTAssertTrue(health.output.contains("systemd is not reachable"), "health: \(health.output)")
        let deploy = try tradectl(["deploy"])
        assertOneClearLine(deploy, status: 69, contains: ["systemd is not reachable", "nothing was changed"], "deploy")

        // Nothing half-done: no new release, unit file or audit row claiming success; the
        // engine (which needs no manager to run) still writing.
        XCTAssertEqual(try untouched(), before)
        let auditAfter = try audit()
        XCTAssertFalse(
            auditAfter.dropFirst(auditBefore.count).contains { $0.hasSuffix("→ ok") }, "\(auditAfter)")
        XCTAssertEqual(try leftovers(), "")
        try assertLiveDataGrows(from: ticksBefore, "manager unreachable")

        // halt by design does the half it can: the kill switch flag is the halt, and it needs
        // no manager; the line says the units still run and what to do.
        let halt = try tradectl(["halt", "--reason", "fault matrix: no manager"])
        assertOneClearLine(halt, status: 69, contains: ["the kill switch is on", "systemd is unreachable"], "halt")

        // The fault gone: the same commands succeed.
        XCTAssertEqual(try container.sh("umount /run/systemd/private").status, 0)
        XCTAssertEqual(try systemctl(container, ["start", "dbus.socket"]).status, 0)
        let statusAfter = try tradectl(["status"])
        XCTAssertEqual(statusAfter.status, 0, "\(statusAfter.output)")
        let deployAfter = try tradectl(["deploy"])
        XCTAssertEqual(deployAfter.status, 0, "\(deployAfter.output)")
        let halt2 = try tradectl(["halt", "--reason", "fault matrix: manager back"])
        XCTAssertEqual(halt2.status, 0, "halt again completes it: \(halt2.output)")
        XCTAssertEqual(try container.property(FaultProject.service, "ActiveState"), "inactive")
        let resume = try tradectl(["resume"])
        XCTAssertEqual(resume.status, 0, "resume after: \(resume.output)")
        let healthAfter = try tradectl(["health"])
        XCTAssertEqual(healthAfter.status, 0, "\(healthAfter.output)")
    }

    // MARK: - The backup disk slow

    /// `backup.dir` on a loop device whose writes the kernel throttles to 256 KiB/s for the
    /// backup's process (see SlowDisk). With the default `backup.timeout` (1h) the backup
    /// takes seconds and completes: catalogued complete, nothing partial left. With a
    /// timeout shorter than the disk needs it fails with one line naming the timeout and
    /// what to do: no archive added, nothing partial or staged left, the earlier archives
    /// byte-identical, `health` saying why; once the disk is fast again the next backup
    /// succeeds unaided.
    func test3_backupDiskSlow() throws {
        guard let disk = Self.disk else {
            throw XCTSkip(
                "no loop device or cgroup v1 blkio throttle here (or not root): the slow disk cannot be injected")
        }
        let before = try catalog()
        let files = try untouched()
        try disk.throttle(bytesPerSecond: 256 * 1024)
        defer { try? disk.unthrottle() }

        let slow = try throttledBackup(disk, environment: [])
        XCTAssertEqual(slow.status, 0, "slow backup: \(slow.output)")
        let throttled = try String(contentsOfFile: "\(disk.cgroup)/blkio.throttle.io_serviced", encoding: .utf8)
        XCTAssertTrue(
            throttled.split(separator: "\n").contains { $0.contains("Write") && !$0.hasSuffix(" 0") },
            "the backup's writes went through the throttled cgroup: \(throttled)")
        let completed = try catalog()
        XCTAssertEqual(completed.count, before.count + 1, "\(before) → \(completed)")
        XCTAssertTrue(completed.allSatisfy { $0.hasSuffix(" complete") }, "\(completed)")
        XCTAssertEqual(try leftovers(), "")

        let untouchedBefore = try untouched()
        let timedOut = try throttledBackup(disk, environment: ["TRADECTL_BACKUP_TIMEOUT=2s"])
        assertOneClearLine(
            timedOut, status: 1,
            contains: [
                "did not finish within backup.timeout (2s)", "existing archives are intact", "run the backup again",
            ],
            "backup on the slow disk past its timeout")
        XCTAssertEqual(try catalog(), completed, "no archive added, none listed as complete that is not")
        XCTAssertEqual(try leftovers(), "", "no partial archive or snapshot left")
        XCTAssertEqual(try untouched(), untouchedBefore, "earlier archives, releases, .env byte-identical")
        let health = try tradectl(["health", "--check", "backup"])
        XCTAssertTrue(
            health.stdout.contains("did not finish within backup.timeout"), "health says why: \(health.output)")

        // The disk fast again: the same command, nothing cleaned by hand.
        try disk.unthrottle()
        let again = try tradectl(["backup"])
        XCTAssertEqual(again.status, 0, "backup after: \(again.output)")
        XCTAssertEqual(try catalog().count, completed.count + 1)
        XCTAssertEqual(try tradectl(["health", "--check", "backup"]).status, 0)
        for line in files.split(separator: "\n") where !line.contains(FaultProject.backups) {
            XCTAssertTrue(try untouched().contains(line), "changed: \(line)")
        }
    }

    /// `tradectl backup` run inside the container from a host shell placed in the throttled cgroup.
    func throttledBackup(_ disk: SlowDisk, environment: [String]) throws -> RunResult {
        let script = "\(SystemScopeTests.repoRoot)/scripts/booted-systemd.sh"
        return try runHost(
            "/bin/sh",
            disk.wrapped(
                ["/bin/bash", script, "exec", Self.machine, "--"] + SystemScopeTests.environment + environment
                    + ["tradectl", "--config", FaultProject.config, "backup"]))
    }
}
