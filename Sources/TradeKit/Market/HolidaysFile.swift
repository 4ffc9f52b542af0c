import Foundation

/// `holidays_file`: holidays and early closes, one date a line, read when the config is loaded.
///
/// ```
/// # NYSE 2026 (source: NYSE's published holiday list)
/// 2026-01-01            # New Year's Day: closed all day
/// 2026-11-27 13:00      # day after Thanksgiving: closes at 13:00
/// ```
///
/// A bare name (`"us-equities"`) is a calendar shipped with tradectl or installed by the
/// administrator (see `searchPath`); anything with a `/` or ending in `.txt` is a file, relative
/// to the config file's directory.
public struct HolidaysFile: Sendable, Equatable {
    /// As configured: printed back by `config show` and into the installed config.
    public var name: String
    /// The file that was read.
    public var path: String
    /// `YYYY-MM-DD` dates closed all day.
    public var holidays: [String]
    /// Early closes by date: minutes after local midnight.
    public var earlyCloses: [String: Int]

    public init(name: String, path: String, holidays: [String] = [], earlyCloses: [String: Int] = [:]) {
        self.name = name
        self.path = path
        self.holidays = holidays
        self.earlyCloses = earlyCloses
    }

    /// A line of the file that does not parse: the message names the file and the line.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var message: String
        public var description: String { "\(path):\(line): \(message)" }
    }

    /// Parses the file's text; every bad line is a problem (all of them, not just the first).
    public static func parse(_ text: String, name: String, path: String) -> (HolidaysFile, [Problem]) {
        var file = HolidaysFile(name: name, path: path)
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if words.isEmpty { continue }
            func problem(_ message: String) { problems.append(Problem(path: path, line: number, message: message)) }
            guard words.count <= 2, TradingCalendar.isDate(words[0]) else {
                problem(
                    "must be YYYY-MM-DD or YYYY-MM-DD HH:MM (an early close), got \"\(words.joined(separator: " "))\"")
                continue
            }
            if let earlier = seen[words[0]] {
                problem("\(words[0]) is already listed on line \(earlier)")
                continue
            }
            seen[words[0]] = number
            if words.count == 1 {
                file.holidays.append(words[0])
            } else if let minute = DailyWindow.minutes(words[1]), minute < 1440 {
                file.earlyCloses[words[0]] = minute
            } else {
                problem("early close must be HH:MM (24-hour clock), got \"\(words[1])\"")
            }
        }
        return (file, problems)
    }

    /// Finds and parses `name`; nil with the reason when it cannot be read, or with its problems.
    public static func load(
        _ name: String, configDirectory: String, system: SystemDirectories = .standard,
        executable: String = HolidaysFile.executablePath
    ) -> Result<HolidaysFile, LoadError> {
        guard let path = locate(name, configDirectory: configDirectory, system: system, executable: executable) else {
            let places = searchPath(system: system, executable: executable).joined(separator: ", ")
            return .failure(LoadError(problems: [], reason: "no calendar \"\(name)\" (\(name).txt) in \(places)"))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(LoadError(problems: [], reason: "cannot read \(path)"))
        }
        let (file, problems) = parse(text, name: name, path: path)
        return problems.isEmpty ? .success(file) : .failure(LoadError(problems: problems, reason: nil))
    }

    /// Why `holidays_file` could not be used: a missing file, or its bad lines.
    public struct LoadError: Error, Sendable {
        public var problems: [Problem]
        public var reason: String?
    }

    /// Whether `name` names a calendar (`us-equities`) rather than a file.
    static func isCalendarName(_ name: String) -> Bool {
        name.wholeMatch(of: /[a-z0-9][a-z0-9._-]*/) != nil && !name.hasSuffix(".txt")
    }

    /// The file `name` means: a calendar along `searchPath`, else a path from the config's directory.
    static func locate(
        _ name: String, configDirectory: String, system: SystemDirectories, executable: String
    ) -> String? {
        if isCalendarName(name) {
            return searchPath(system: system, executable: executable).map { "\($0)/\(name).txt" }.first {
                FileManager.default.fileExists(atPath: $0)
            }
        }
        let path = name.hasPrefix("/") ? name : URL(fileURLWithPath: configDirectory).appendingPathComponent(name).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Where calendars are looked up: the administrator's `/etc/tradectl/calendars`, the package's
    /// `/usr/share/tradectl/calendars`, then those next to the binary (`../share/tradectl/calendars`,
    /// or the `calendars/` of the source checkout a development build lives in).
    public static func searchPath(
        system: SystemDirectories = .standard, executable: String = HolidaysFile.executablePath
    )
        -> [String]
    {
        var candidates = ["\(system.overrides)/calendars", "\(system.shipped)/calendars"]
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = directory.appendingPathComponent("../share/tradectl/calendars").standardized.path
        if SystemDirectories.isDirectory(installed) {
            candidates.append(installed)
        } else {
            for _ in 0..<8 {
                let candidate = directory.appendingPathComponent("calendars").path
                if SystemDirectories.isDirectory(candidate) {
                    candidates.append(candidate)
                    break
                }
                if directory.path == "/" { break }
                directory.deleteLastPathComponent()
            }
        }
        var seen: Set<String> = []
        return candidates.filter { seen.insert(SystemDirectories.canonical($0)).inserted }
    }

    /// This process's executable (`/proc/self/exe`): a development build finds the checkout's calendars.
    public static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
