import ArgumentParser
import Foundation
import TradeKit

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "The journal of the project's units only, filtered like journalctl.",
        discussion: """
            Reads entries with _SYSTEMD_UNIT= one of the project's services (each component's,
            its daily-restart service, and with no COMPONENT also tradectl's backup, health and
            monitor services). Output is journalctl's short-iso; --json prints one JSON object per
            entry. For components with a declared log_format (python, json) --priority and the
            JSON PRIORITY use the level each line states (JOURNAL_PRIORITY keeps journald's).
            Exit 69 when the journal cannot be opened or read.

            --files adds the lines of the components' log_files (in shared/), labelled
            component[logs/engine.log], interleaved by the time each line starts with (else the
            previous line's, else the file's mtime); --since also reads rotated files written
            since then (engine.log.1, not compressed ones). --priority judges a file line by the
            component's log_format. --files cannot be combined with --follow. See docs/logs.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Components to show (default: all, plus tradectl's own units).")
    var components: [String] = []

    @Option(help: "Entries from DUR ago (24h, 90min) or an ISO-8601 time on.")
    var since: String?

    @Option(help: "Entries up to DUR ago or an ISO-8601 time.")
    var until: String?

    @Option(
        help: ArgumentHelp(
            "Entries at this priority or more urgent: emerg alert crit err warning notice info debug, or 0..7.",
            discussion: """
                For components with log_format = "python" or "json", the level each line states \
                counts (an ERROR line journald stored at info matches err).
                """))
    var priority: String?

    @Option(help: "Only entries whose MESSAGE matches this regular expression (case-insensitive if all lower-case).")
    var grep: String?

    @Flag(name: [.short, .long], help: "Print the entries, then new ones as they arrive, until SIGINT/SIGTERM.")
    var follow = false

    @Option(name: [.customShort("n"), .long], help: "Only the last N entries (with --follow default 10).")
    var lines: Int?

    @Flag(help: "Print only the number of matching entries.")
    var count = false

    @Flag(help: "Also the components' log files (log_files), interleaved by time with the journal.")
    var files = false

    @Option(help: ArgumentHelp("Read the journal files in DIR instead of the local journal.", visibility: .hidden))
    var directory: String?

    var request: LogRequest {
        var request = LogRequest()
        request.components = components
        request.since = since
        request.until = until
        request.priority = priority
        request.grep = grep
        request.lines = lines
        request.follow = follow
        request.count = count
        request.files = files
        return request
    }

    func validate() throws {
        do { try request.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let context = CommandContext(global, command: "logs")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let query: LogQuery
            let files: [LogFileSource]
            do {
                query = try request.query(for: deployment)
                files = try request.fileSources(for: deployment, root: global.root)
            } catch { throw ValidationError("\(error)") }
            let source: JournalSource = directory.map { .directory($0) } ?? global.root.map { .osRoot($0) } ?? .local
            if case .local = source, let down = JournaldProbe.down() {
                // The entries shown end where journald stopped: say so, once, on stderr.
                FileHandle.standardError.write(
                    Data(
                        "tradectl: warning: \(down): new entries are not being recorded; \(JournaldProbe.remedy)\n".utf8
                    ))
            }
            let stop = follow ? StopFlag.onTermination() : StopFlag()
            let matched: Int
            do {
                matched = try await LogSession.run(
                    query, source: source, scope: deployment.project.scope, format: global.json ? .json : .shortISO,
                    stop: stop, files: files)
            } catch let error as JournalUnavailable {
                FileHandle.standardError.write(Data("tradectl: error: \(error)\n".utf8))
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
            if count { context.print(global.json ? "{\"count\":\(matched)}\n" : "\(matched)\n") }
        }
    }
}
