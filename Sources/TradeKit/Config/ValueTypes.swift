import Foundation

// The value types of config keys. Each says how a value is read (with the same
// messages everywhere), printed as TOML, and shown as a default in the docs.

extension ValueType where Value == String {
    static var string: ValueType {
        ValueType(
            kind: .string, read: { reader, key, _ in reader.string(key) },
            literal: { value, _ in ConfigPrinter.q(value) }, docText: { $0 })
    }

    /// A path; relative ones resolve against the config file's directory.
    static var resolvedPath: ValueType {
        var type = ValueType.string
        type.read = { reader, key, context in reader.string(key).map(context.resolve) }
        return type
    }
}

extension ValueType where Value == Int {
    static func integer(_ range: ClosedRange<Int> = 0...Int.max) -> ValueType {
        ValueType(
            kind: .integer(range), read: { reader, key, _ in reader.int(key, range: range) },
            literal: { value, _ in "\(value)" }, docText: { "\($0)" })
    }
}

extension ValueType where Value == Bool {
    static var bool: ValueType {
        ValueType(
            kind: .bool, read: { reader, key, _ in reader.bool(key) }, literal: { value, _ in "\(value)" },
            docText: { "\($0)" })
    }
}

extension ValueType where Value == ConfigDuration {
    static var duration: ValueType {
        ValueType(
            kind: .duration, read: { reader, key, _ in reader.duration(key) },
            literal: { value, _ in ConfigPrinter.q(value.description) }, docText: docText)
    }

    /// The largest whole unit, as a person writes it: `26h`, `1d`, `90s`.
    private static func docText(_ duration: ConfigDuration) -> String {
        let units = [("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)]
        for (suffix, size) in units where duration.milliseconds >= size && duration.milliseconds % size == 0 {
            return "\(duration.milliseconds / size)\(suffix)"
        }
        return duration.description
    }
}

extension ValueType where Value == [String] {
    static var stringList: ValueType {
        ValueType(
            kind: .stringList, read: { reader, key, _ in reader.stringList(key) },
            literal: { value, _ in ConfigPrinter.list(value) }, docText: { ConfigPrinter.list($0) })
    }

    /// A list of paths; relative ones resolve against the config file's directory (an empty one stays empty,
    /// for the key's check to refuse).
    static var resolvedPaths: ValueType {
        var type = ValueType.stringList
        type.read = { reader, key, context in
            reader.stringList(key).map { $0.map { $0.isEmpty ? $0 : context.resolve($0) } }
        }
        return type
    }
}

extension ValueType where Value == [SharedPath] {
    /// `"data/"` is a directory, `".env"` a file.
    static var sharedPaths: ValueType {
        ValueType(
            kind: .stringList, read: { reader, key, _ in reader.stringList(key)?.map(SharedPath.init) },
            literal: { value, _ in ConfigPrinter.list(value.map { $0.isDirectory ? "\($0.path)/" : $0.path }) },
            docText: { ConfigPrinter.list($0.map(\.path)) })
    }
}

extension ValueType where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    static var choice: ValueType {
        ValueType(
            kind: .choice(Value.allCases.map(\.rawValue)), read: { reader, key, _ in reader.choice(key) },
            literal: { value, _ in ConfigPrinter.q(value.rawValue) }, docText: { $0.rawValue })
    }
}

extension ValueType where Value == [(key: String, value: String)] {
    /// `{ TZ = "UTC" }` in file order; `config show` redacts entries whose name looks secret.
    static var stringTable: ValueType {
        ValueType(
            kind: .stringTable, read: { reader, key, _ in reader.stringTable(key) },
            literal: { value, purpose in
                "{ "
                    + value.map { entry in
                        let shown = Secrets.isSecretKey(entry.key) && purpose == .show ? Secrets.redacted : entry.value
                        return "\(entry.key) = \(ConfigPrinter.q(shown))"
                    }.joined(separator: ", ") + " }"
            }, docText: { _ in "{}" })
    }
}

extension ValueType where Value == [String: Int] {
    /// `{ http = 3 }`, printed sorted by name; `checkName` may refuse a name (message) and
    /// a wrong value counts as `fallback`.
    static func integerTable(
        _ range: ClosedRange<Int>, fallback: Int, checkName: @escaping (String) -> String? = { _ in nil }
    ) -> ValueType {
        ValueType(
            kind: .integerTable,
            read: { reader, key, _ in reader.intTable(key, range: range, fallback: fallback, checkName: checkName) },
            literal: { value, _ in
                "{ " + value.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + " }"
            }, docText: { _ in "{}" })
    }
}

extension ValueType where Value == Int {
    /// A syslog priority written as `err` or `3`, printed by name.
    static var syslogPriority: ValueType {
        ValueType(
            kind: .string,
            read: { reader, key, _ in
                guard let text = reader.string(key) else { return nil }
                guard let priority = LogPriority.parse(text) else {
                    reader.report(key, "must be a syslog priority (emerg…debug or 0…7), got \"\(text)\"")
                    return nil
                }
                return priority
            }, literal: { value, _ in ConfigPrinter.q(LogPriority.names[value]) },
            docText: { LogPriority.names[$0] })
    }
}

extension ValueType where Value == HolidaysFile {
    /// `holidays_file`: a shipped calendar's name or a path, read and parsed as the config loads;
    /// each bad line is reported at the key, naming the file and its line.
    static var holidaysFile: ValueType {
        ValueType(
            kind: .string,
            read: { reader, key, context in
                guard let name = reader.string(key) else { return nil }
                switch HolidaysFile.load(name, configDirectory: context.configDirectory) {
                case .success(let file): return file
                case .failure(let error):
                    if let reason = error.reason { reader.report(key, reason) }
                    for problem in error.problems { reader.report(key, problem.description) }
                    return nil
                }
            },
            // The installed config lives elsewhere (/etc/tradectl): a file is named there by the
            // absolute path it was read from; a calendar name is looked up the same way everywhere.
            literal: { value, purpose in
                let installed = purpose == .install && !HolidaysFile.isCalendarName(value.name)
                return ConfigPrinter.q(installed ? value.path : value.name)
            }, docText: { $0.name })
    }
}
