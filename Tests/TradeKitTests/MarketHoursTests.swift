import Foundation
import Logging
import Testing

@testable import TradeKit

private func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

/// US equities with the shipped NYSE calendar, as the examples declare it.
private func usEquities(file: Bool = true) throws -> MarketConfig {
    var market = MarketConfig()
    market.declared = true
    market.timezone = "America/New_York"
    market.sessions = ["Mon..Fri 09:30-16:00"]
    if file {
        market.holidaysFile = try HolidaysFile.load("us-equities", configDirectory: "/nonexistent").get()
    }
    return market
}

@Suite("Market calendar")
struct MarketCalendarTests {
    @Test("open until the close, closed until the next open (over a weekend)")
    func openAndNext() throws {
        let calendar = try #require(TradingCalendar(try usEquities()))
        // Monday 2026-12-07 13:47 New York (EST, UTC-5).
        guard case .open(let span) = calendar.state(at: at("2026-12-07T18:47:00Z")) else {
            Issue.record("expected open")
            return
        }
        #expect(span.close == at("2026-12-07T21:00:00Z") && !span.early)
        #expect(calendar.describe(at: at("2026-12-07T18:47:00Z")) == "open, closes in 2h13m (16:00 America/New_York)")
        // Friday after the close: closed until Monday 09:30.
        #expect(calendar.state(at: at("2026-12-11T21:00:00Z")) == .closed(opens: at("2026-12-14T14:30:00Z")))
        #expect(
            calendar.describe(at: at("2026-12-11T22:00:00Z")) == "closed until Mon 09:30 America/New_York (in 2d16h)")
        // The open is inclusive, the close exclusive.
        #expect(calendar.isOpen(at: at("2026-12-07T14:30:00Z")))
        #expect(!calendar.isOpen(at: at("2026-12-07T21:00:00Z")))
    }

    @Test("DST: 09:30 New York is 14:30 UTC before the change and 13:30 after, both ways")
    func daylightSaving() throws {
        let calendar = try #require(TradingCalendar(try usEquities()))
        // Clocks go forward Sunday 2026-03-08: Friday the 6th opens 14:30 UTC, Monday the 9th 13:30 UTC.
        #expect(!calendar.isOpen(at: at("2026-03-06T14:15:00Z")))
        #expect(calendar.isOpen(at: at("2026-03-09T13:45:00Z")))
        #expect(calendar.state(at: at("2026-03-06T22:00:00Z")) == .closed(opens: at("2026-03-09T13:30:00Z")))
        // Clocks go back Sunday 2026-11-01: Monday the 2nd opens 14:30 UTC.
        #expect(!calendar.isOpen(at: at("2026-11-02T14:15:00Z")))
        #expect(calendar.state(at: at("2026-10-30T21:00:00Z")) == .closed(opens: at("2026-11-02T14:30:00Z")))
    }

    @Test("a session crossing midnight: Sunday's opens in the evening and closes Monday; over a DST change")
    func midnightCrossing() throws {
        var market = MarketConfig()
        market.timezone = "America/Chicago"
        market.sessions = ["Sun..Thu 17:00-16:00"]
        let calendar = try #require(TradingCalendar(market))
        // Monday 02:00 Chicago is in Sunday's session, which closes Monday 16:00.
        guard case .open(let span) = calendar.state(at: at("2026-12-07T08:00:00Z")) else {
            Issue.record("expected open")
            return
        }
        #expect(span.open == at("2026-12-06T23:00:00Z") && span.close == at("2026-12-07T22:00:00Z"))
        // Sunday 2026-03-08, the day clocks go forward: opens 17:00 CDT (22:00 UTC), closes Monday 16:00 CDT.
        guard case .open(let spring) = calendar.state(at: at("2026-03-08T22:30:00Z")) else {
            Issue.record("expected open")
            return
        }
        #expect(spring.open == at("2026-03-08T22:00:00Z") && spring.close == at("2026-03-09T21:00:00Z"))
        // Friday 16:00 to Sunday 17:00: closed.
        #expect(calendar.state(at: at("2026-12-11T22:30:00Z")) == .closed(opens: at("2026-12-13T23:00:00Z")))
    }

    @Test("a holiday is closed all day; the next open is the next trading day's")
    func holiday() throws {
        let calendar = try #require(TradingCalendar(try usEquities()))
        // Christmas 2026 is a Friday.
        #expect(!calendar.isOpen(at: at("2026-12-25T15:00:00Z")))
        #expect(calendar.state(at: at("2026-12-24T19:00:00Z")) == .closed(opens: at("2026-12-28T14:30:00Z")))
        // Inline holidays work without a file.
        var market = try usEquities(file: false)
        market.holidays = ["2026-12-07"]
        #expect(TradingCalendar(market)?.isOpen(at: at("2026-12-07T15:00:00Z")) == false)
    }

    @Test("an early close ends the session at 13:00 (file and inline)")
    func earlyClose() throws {
        let calendar = try #require(TradingCalendar(try usEquities()))
        // The day after Thanksgiving 2026, 12:30 New York.
        guard case .open(let span) = calendar.state(at: at("2026-11-27T17:30:00Z")) else {
            Issue.record("expected open")
            return
        }
        #expect(span.close == at("2026-11-27T18:00:00Z") && span.early)
        #expect(calendar.describe(at: at("2026-11-27T17:30:00Z")).hasSuffix("(early close 13:00 America/New_York)"))
        #expect(!calendar.isOpen(at: at("2026-11-27T18:30:00Z")))
        var market = try usEquities(file: false)
        market.earlyCloses = ["2026-12-07 12:00"]
        let inline = try #require(TradingCalendar(market))
        #expect(inline.isOpen(at: at("2026-12-07T16:30:00Z")))
        #expect(!inline.isOpen(at: at("2026-12-07T17:30:00Z")))
    }

    @Test("durations left read like a person writes them")
    func remaining() {
        #expect(TradingCalendar.remaining(2 * 3600 + 13 * 60) == "2h13m")
        #expect(TradingCalendar.remaining(45 * 60) == "45m")
        #expect(TradingCalendar.remaining(3600) == "1h")
        #expect(TradingCalendar.remaining(30) == "30s")
        #expect(TradingCalendar.remaining(41 * 3600) == "1d17h")
    }
}

@Suite("Holidays file")
struct HolidaysFileTests {
    @Test("dates, early closes, comments and blank lines")
    func parses() {
        let text = """
            # header
            2026-01-01          # New Year's Day

            2026-11-27 13:00    # early close
            \t2026-12-25\t
            """
        let (file, problems) = HolidaysFile.parse(text, name: "x", path: "/etc/x.txt")
        #expect(problems.isEmpty)
        #expect(file.holidays == ["2026-01-01", "2026-12-25"])
        #expect(file.earlyCloses == ["2026-11-27": 13 * 60])
    }

    @Test("every bad line is reported with the file and its line")
    func problems() {
        let text = """
            2026-01-01
            2026-02-30
            2026-11-27 1pm
            2026-01-01
            2026-12-24 13:00 extra
            tomorrow
            """
        let (_, problems) = HolidaysFile.parse(text, name: "x", path: "/etc/x.txt")
        #expect(problems.map(\.line) == [2, 3, 4, 5, 6])
        #expect(
            problems[0].description
                == "/etc/x.txt:2: must be YYYY-MM-DD or YYYY-MM-DD HH:MM (an early close), got \"2026-02-30\"")
        #expect(problems[1].description.contains("early close must be HH:MM"))
        #expect(problems[2].description == "/etc/x.txt:4: 2026-01-01 is already listed on line 1")
    }

    @Test("the shipped US equities calendar: NYSE's 2026 and 2027 holidays and early closes")
    func shipped() throws {
        let file = try HolidaysFile.load("us-equities", configDirectory: "/nonexistent").get()
        #expect(file.path.hasSuffix("calendars/us-equities.txt"))
        #expect(
            file.holidays == [
                "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03",
                "2026-09-07", "2026-11-26", "2026-12-25",
                "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05",
                "2027-09-06", "2027-11-25", "2027-12-24",
            ])
        #expect(file.earlyCloses == ["2026-11-27": 780, "2026-12-24": 780, "2027-11-26": 780])
        // Every holiday is a weekday (an observed date, never the Saturday itself).
        for date in file.holidays { #expect((1...5).contains(LocalDay(parsing: date)?.weekday ?? 0), "\(date)") }
    }

    @Test("in the config: a bad line is an error at market.holidays_file naming the file and line")
    func inConfig() throws {
        let dir = TempDir()
        _ = dir.write("holidays.txt", "2026-12-25\n2026-13-01\n")
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(source: dir.path) + "\n[market]\nholidays_file = \"holidays.txt\"\n")
        #expect(throws: ConfigError.self) { try ConfigLoader(environment: [:]).load(path: config) }
        do {
            _ = try ConfigLoader(environment: [:]).load(path: config)
        } catch let error as ConfigError {
            let issue = try #require(error.errors.first { $0.key == "market.holidays_file" })
            #expect(issue.file == config && issue.line != nil)
            #expect(issue.message.hasPrefix("\(dir.path)/holidays.txt:2: must be YYYY-MM-DD"), "\(issue.message)")
        }
        let missing = dir.write(
            "missing.toml", minimalConfig(source: dir.path) + "\n[market]\nholidays_file = \"nyse-2031\"\n")
        do {
            _ = try ConfigLoader(environment: [:]).load(path: missing)
            Issue.record("a missing calendar must be an error")
        } catch let error as ConfigError {
            #expect(error.errors.contains { $0.key == "market.holidays_file" && $0.message.contains("no calendar") })
        }
    }

    @Test("[market] is declared only when the config has it; config show prints it only then")
    func declared() throws {
        let dir = TempDir()
        let without = dir.write("a.toml", minimalConfig(source: dir.path))
        let (plain, _) = try ConfigLoader(environment: [:]).load(path: without)
        #expect(!plain.market.declared)
        #expect(!ConfigPrinter.toml(plain).contains("[market]"))
        let with = dir.write(
            "b.toml", minimalConfig(source: dir.path) + "\n[market]\nholidays_file = \"us-equities\"\n")
        let (market, _) = try ConfigLoader(environment: [:]).load(path: with)
        #expect(market.market.declared && market.market.holidaysFile?.holidays.count == 20)
        #expect(ConfigPrinter.toml(market).contains("holidays_file = \"us-equities\""))
        // A file is named by its absolute path in the installed config (which lives in /etc/tradectl).
        _ = dir.write("conf/nyse.txt", "2026-12-25\n")
        let relative = dir.write(
            "conf/c.toml", minimalConfig(source: dir.path) + "\n[market]\nholidays_file = \"nyse.txt\"\n")
        let (own, _) = try ConfigLoader(environment: [:]).load(path: relative)
        #expect(ConfigPrinter.toml(own).contains("holidays_file = \"nyse.txt\""))
        #expect(ConfigPrinter.toml(own, purpose: .install).contains("holidays_file = \"\(dir.path)/conf/nyse.txt\""))
    }
}

@Suite("Session gate")
struct SessionGateTests {
    let monday1347 = at("2026-12-07T18:47:00Z")

    @Test("open, no terminal: refused (exit 75) naming the close and the time left")
    func refused() throws {
        let gate = SessionGate(market: try usEquities(), now: monday1347, duringSession: false)
        guard case .refuse(let refusal) = gate.verdict(for: "update") else {
            Issue.record("expected a refusal")
            return
        }
        #expect(
            refusal.description
                == "market open (closes 16:00 America/New_York, in 2h13m): pass --during-session to update now")
        #expect(ExitStatus.of(refusal) == .tempFail)
    }

    @Test("--during-session, closed, a holiday, no [market]: proceed")
    func proceeds() throws {
        func proceeds(_ gate: SessionGate) -> Bool {
            if case .proceed = gate.verdict(for: "update") { return true }
            return false
        }
        #expect(proceeds(SessionGate(market: try usEquities(), now: monday1347, duringSession: true)))
        #expect(proceeds(SessionGate(market: try usEquities(), now: at("2026-12-07T21:30:00Z"), duringSession: false)))
        #expect(proceeds(SessionGate(market: try usEquities(), now: at("2026-12-25T15:00:00Z"), duringSession: false)))
        var undeclared = try usEquities()
        undeclared.declared = false
        #expect(proceeds(SessionGate(market: undeclared, now: monday1347, duringSession: false)))
        #expect(proceeds(.unrestricted))
    }

    @Test("on a terminal the gate asks; an early close is named as one")
    func asks() throws {
        let gate = SessionGate(
            market: try usEquities(), now: at("2026-11-27T17:30:00Z"), duringSession: false, confirm: { _ in true })
        guard case .ask(let question, let refusal) = gate.verdict(for: "rollback") else {
            Issue.record("expected a question")
            return
        }
        #expect(question == "market open (closes early at 13:00 America/New_York, in 30m). rollback anyway? [y/N] ")
        #expect(refusal.description.hasSuffix("in 30m): not confirmed; nothing changed"))
        #expect(gate.dryRunNote(for: "rollback")?.contains("would be refused without --during-session") == true)
    }
}

@Suite("What interrupts trading")
struct InterruptsTradingTests {
    @Test("deploy: only a plan stopping or restarting a trades = true service; update and rollback always")
    func deployPlans() throws {
        let dir = TempDir()
        let text =
            minimalConfig(source: dir.path) + """

                [[components]]
                name = "dashboard"
                exec = "/usr/bin/python3 dashboard.py"

                [market]
                """
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: dir.write("tradectl.toml", text))
        var request = DeployRequest(tradectlPath: "/usr/bin/tradectl", environment: [:], user: "tester")
        let context = MutationContext(
            deployment: deployment, layout: DeployLayout(deployment, environment: [:]),
            fileSystem: RootedFileSystem(root: dir.path), launcher: SubprocessLauncher(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), user: "tester",
            offline: true, services: .offline)
        func plan(_ verb: UnitVerb, _ units: [String]) -> Plan {
            var plan = Plan(command: "deploy")
            plan.add(.systemctl(verb, units: units), .run)
            return plan
        }
        let deploy = DeployMutation(
            runner: DeployRunner(
                deployment: deployment, request: request, fileSystem: context.fileSystem, logger: context.logger))
        #expect(deploy.interruptsTrading(plan(.restart, ["demo-engine.service"]), in: context))
        #expect(deploy.interruptsTrading(plan(.stop, ["demo-dashboard.service", "demo-engine.service"]), in: context))
        #expect(!deploy.interruptsTrading(plan(.restart, ["demo-dashboard.service"]), in: context))
        #expect(!deploy.interruptsTrading(plan(.start, ["demo-engine.service"]), in: context))
        #expect(!deploy.interruptsTrading(Plan(command: "deploy"), in: context))
        request.command = "update"
        let update = DeployMutation(
            runner: DeployRunner(
                deployment: deployment, request: request, fileSystem: context.fileSystem, logger: context.logger))
        #expect(update.interruptsTrading(Plan(command: "update"), in: context))
    }
}

@Suite("Market checks")
struct MarketChecksTests {
    @Test("OnCalendar forms: weekdays, ranges, repetitions, time zones, shorthands")
    func calendarTimes() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let daily = try #require(CalendarTimes("*-*-* 06:00", hostZone: utc))
        #expect(daily.weekdays == Set(1...7) && daily.hours == [6] && daily.minutes == [0])
        let hours = try #require(CalendarTimes("Mon..Fri 09..16:00 America/New_York", hostZone: utc))
        #expect(hours.weekdays == [1, 2, 3, 4, 5] && hours.hours == Set(9...16))
        #expect(hours.timeZone.identifier == "America/New_York")
        #expect(CalendarTimes("*:0/5", hostZone: utc)?.minutes == Set(stride(from: 0, to: 60, by: 5)))
        #expect(CalendarTimes("weekly", hostZone: utc)?.weekdays == [1])
        #expect(CalendarTimes("Sat,Sun 03:00", hostZone: utc)?.weekdays == [6, 7])
        #expect(CalendarTimes("every other tuesday", hostZone: utc) == nil)
    }

    @Test("restart_daily and backup.schedule inside the session warn, naming the weekdays; outside they do not")
    func scheduleWarnings() throws {
        let dir = TempDir()
        let text =
            minimalConfig(source: dir.path).replacingOccurrences(
                of: "trades = true", with: "trades = true\nrestart_daily = \"*-*-* 10:00 America/New_York\""
            )
            .replacingOccurrences(of: "[backup]\n", with: "[backup]\nschedule = \"Mon,Wed 15:00 UTC\"\n")
            + "\n[market]\nholidays_file = \"us-equities\"\n"
        let config = dir.write("tradectl.toml", text)
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: config)
        let issues = MarketChecks.issues(deployment, now: at("2026-12-05T12:00:00Z"))
        let restart = try #require(issues.first { $0.key == "components[0].restart_daily" })
        #expect(restart.severity == .warning && restart.line != nil)
        #expect(restart.message.contains("Mon, Tue, Wed, Thu, Fri") && restart.message.contains("restarts engine"))
        let backup = try #require(issues.first { $0.key == "backup.schedule" })
        #expect(backup.message.contains("(Mon, Wed;"), "\(backup.message)")
        // The defaults (02:30) and a restart before the open say nothing.
        let quiet = dir.write(
            "quiet.toml",
            minimalConfig(source: dir.path).replacingOccurrences(
                of: "trades = true", with: "trades = true\nrestart_daily = \"*-*-* 06:00 America/New_York\"")
                + "\n[market]\n")
        let (calm, _) = try ConfigLoader(environment: [:]).load(path: quiet)
        #expect(
            MarketChecks.issues(calm, now: at("2026-12-05T12:00:00Z"), hostZone: TimeZone(identifier: "UTC")!).isEmpty)
    }

    @Test("a holidays file whose last date is near warns to extend it")
    func runningOut() throws {
        let dir = TempDir()
        let config = dir.write(
            "tradectl.toml", minimalConfig(source: dir.path) + "\n[market]\nholidays_file = \"us-equities\"\n")
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: config)
        #expect(MarketChecks.issues(deployment, now: at("2026-12-05T12:00:00Z")).isEmpty)
        let late = MarketChecks.issues(deployment, now: at("2027-11-15T12:00:00Z"))
        #expect(late.contains { $0.key == "market.holidays_file" && $0.message.contains("no date after 2027-12-24") })
    }
}

@Suite("Monitor: trading component down by market hours")
struct SessionSeverityTests {
    @Test("critical during the session, down_outside_session outside it; other checks untouched")
    func ranks() throws {
        let dir = TempDir()
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(source: dir.path) + "\n[monitor]\ndown_outside_session = \"warning\"\n[market]\n")
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: config)
        let ranking = SessionSeverity(deployment)
        let down = Observation(
            key: "unit/engine", check: "unit", target: "engine", status: .critical, summary: "demo-engine is failed")
        #expect(ranking.rank(down, now: at("2026-12-07T18:47:00Z")).status == .critical)
        let night = ranking.rank(down, now: at("2026-12-08T03:00:00Z"))
        #expect(night.status == .warning && night.summary.contains("market closed"))
        let http = Observation(key: "http/engine", check: "http", target: "engine", status: .critical, summary: "")
        #expect(ranking.rank(http, now: at("2026-12-08T03:00:00Z")).status == .critical)
        // The default keeps it critical at any hour.
        var always = deployment
        always.monitor.downOutsideSession = .critical
        #expect(SessionSeverity(always).rank(down, now: at("2026-12-08T03:00:00Z")).status == .critical)
    }
}

/// The built binary with a fixed clock (`TRADECTL_NOW`): update during the session is refused
/// (exit 75, naming the close), and goes ahead after the close, on a holiday, after an early
/// close, and with --during-session; a dry run is never refused.
@Suite("Market hours: the CLI")
struct MarketHoursCLITests {
    final class Project {
        let dir = TempDir("tradectl-market")
        var root: String { "\(dir.path)/root" }
        let config: String

        init() throws {
            _ = dir.write("src/engine.py", "print('v1')\n")
            _ = dir.write("src/.env", "API_KEY=demo\n", mode: 0o600)
            config = dir.write(
                "tradectl.toml",
                minimalConfig(source: "\(dir.path)/src")
                    + "\n[market]\ntimezone = \"America/New_York\"\nsessions = [\"Mon..Fri 09:30-16:00\"]\n"
                    + "holidays_file = \"us-equities\"\n")
            let deploy = try tradectl(["deploy"], now: "2026-12-05T12:00:00Z")
            guard deploy.status == 0 else { throw FixtureError(message: deploy.stderr) }
        }

        func tradectl(_ arguments: [String], now: String) throws -> CLIResult {
            try runTradectl(arguments + ["--config", config, "--root", root], environment: ["TRADECTL_NOW": now])
        }

        var current: String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current")) ?? ""
        }

        /// A new source, so update has a new release to install.
        func change(_ version: String) { _ = dir.write("src/engine.py", "print('\(version)')\n") }
    }

    @Test("update during the session: exit 75 naming the close; nothing changed")
    func refusedDuringSession() throws {
        let project = try Project()
        let before = project.current
        project.change("v2")
        let refused = try project.tradectl(["update", "--version", "v2"], now: "2026-12-07T18:47:00Z")
        #expect(refused.status == 75, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "market open (closes 16:00 America/New_York, in 2h13m): pass --during-session to update now"),
            "\(refused.stderr)")
        #expect(project.current == before)
        #expect(!FileManager.default.fileExists(atPath: "\(project.root)/opt/demo/releases/v2"))
        // A dry run is shown, with a note, and exits 0.
        let dry = try project.tradectl(["update", "--version", "v2", "--dry-run"], now: "2026-12-07T18:47:00Z")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("update would be refused without --during-session"), "\(dry.stdout)")
        // --during-session: the operator knows.
        let forced = try project.tradectl(
            ["update", "--version", "v2", "--during-session"], now: "2026-12-07T18:47:00Z")
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(project.current == "releases/v2")
    }

    @Test(
        "update proceeds after the close, on a holiday and after an early close",
        arguments: [
            "2026-12-07T21:30:00Z",  // Monday 16:30 New York
            "2026-12-25T15:00:00Z",  // Christmas, a Friday: closed all day
            "2026-11-27T18:30:00Z",  // day after Thanksgiving 13:30: closed at 13:00
        ])
    func proceedsWhenClosed(now: String) throws {
        let project = try Project()
        project.change("v2")
        let result = try project.tradectl(["update", "--version", "v2"], now: now)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(project.current == "releases/v2")
    }

    @Test("early close day before 13:00: refused, naming the early close")
    func refusedBeforeEarlyClose() throws {
        let project = try Project()
        project.change("v2")
        let result = try project.tradectl(["update", "--version", "v2"], now: "2026-11-27T17:30:00Z")
        #expect(result.status == 75)
        #expect(result.stderr.contains("closes early at 13:00 America/New_York, in 30m"), "\(result.stderr)")
    }

    @Test("rollback and db vacuum are gated too; a deploy that restarts nothing is not")
    func otherCommands() throws {
        let project = try Project()
        project.change("v2")
        #expect(try project.tradectl(["update", "--version", "v2"], now: "2026-12-05T12:00:00Z").status == 0)
        let rollback = try project.tradectl(["rollback"], now: "2026-12-07T18:47:00Z")
        #expect(rollback.status == 75 && rollback.stderr.contains("to rollback now"), "\(rollback.stderr)")
        let unchanged = try project.tradectl(["deploy"], now: "2026-12-07T18:47:00Z")
        #expect(unchanged.status == 0, "\(unchanged.stderr)")
    }

    @Test("status shows the market line and the JSON field at the clock's instant")
    func status() throws {
        let project = try Project()
        let text = try project.tradectl(["status"], now: "2026-12-07T18:47:00Z")
        #expect(text.stdout.contains("market      open, closes in 2h13m (16:00 America/New_York)"), "\(text.stdout)")
        let json = try project.tradectl(["--json", "status"], now: "2026-12-11T22:00:00Z")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let market = try #require(object["market"] as? [String: Any], "\(json.stdout)")
        #expect(market["open"] as? Bool == false)
        #expect((market["text"] as? String)?.hasPrefix("closed until Mon 09:30 America/New_York") == true)
        #expect(market["opens_at"] is String)
    }

    @Test("restore and db vacuum during the session: exit 75; --during-session goes ahead")
    func restoreAndVacuum() throws {
        let fixture = try BackupFixture(extra: "\n[market]\nholidays_file = \"us-equities\"")
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let open = ["TRADECTL_NOW": "2026-12-07T18:47:00Z"]
        let restore = try fixture.tradectl(["restore", "latest", "--yes"], environment: open)
        #expect(restore.status == 75 && restore.stderr.contains("to restore now"), "\(restore.stderr)")
        let vacuum = try fixture.tradectl(["db", "vacuum"], environment: open)
        #expect(vacuum.status == 75 && vacuum.stderr.contains("to db vacuum now"), "\(vacuum.stderr)")
        #expect(try fixture.tradectl(["db", "optimize"], environment: open).status == 0)
        #expect(try fixture.tradectl(["db", "vacuum", "--during-session"], environment: open).status == 0)
        let forced = try fixture.tradectl(["restore", "latest", "--yes", "--during-session"], environment: open)
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    @Test("a TRADECTL_NOW that is not ISO-8601 is a usage error")
    func badClock() throws {
        let project = try Project()
        let result = try project.tradectl(["update"], now: "tomorrow at nine")
        #expect(result.status == 64 && result.stderr.contains("TRADECTL_NOW must be an ISO-8601 instant"))
    }
}
