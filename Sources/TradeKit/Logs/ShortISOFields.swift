/// The fields of the current journal entry that a short-iso line shows, copied out in one walk
/// over the entry.
///
/// `JournalReader.field` looks each name up by walking the entry again (seven walks per line),
/// and makes a String of each value; printing 10,000 entries spent more time there than
/// reading the index. This walks the entry once and copies the wanted values' bytes into one
/// reused buffer (sd-journal may unmap a field's bytes at its next read, so they are copied,
/// as journalctl copies them).
struct ShortISOFields {
    private enum Name: Int, CaseIterable {
        case userUnit, unit, identifier, pid, hostname, message

        var prefix: [UInt8] {
            let name =
                switch self {
                case .userUnit: JournalUnitField.user
                case .unit: JournalUnitField.system
                case .identifier: "SYSLOG_IDENTIFIER"
                case .pid: "_PID"
                case .hostname: "_HOSTNAME"
                case .message: "MESSAGE"
                }
            return Array((name + "=").utf8)
        }
    }

    private static let prefixes = Name.allCases.map(\.prefix)
    private var storage: [UInt8] = []
    private var ranges = [Range<Int>?](repeating: nil, count: Name.allCases.count)

    init() { storage.reserveCapacity(4096) }

    /// Copies the entry at `reader`'s position; false when the entry cannot be read.
    mutating func read(_ reader: JournalReader) throws -> Bool {
        storage.removeAll(keepingCapacity: true)
        for index in ranges.indices { ranges[index] = nil }
        return try reader.forEachField { field in
            for (index, prefix) in Self.prefixes.enumerated()
            where ranges[index] == nil && field.count >= prefix.count
                && field.prefix(prefix.count).elementsEqual(prefix)
            {
                let start = storage.count
                storage.append(contentsOf: field[prefix.count...])
                ranges[index] = start..<storage.count
                return
            }
        }
    }

    /// What the line shows: the unit without `.service` (the user unit when there is one,
    /// `JournalUnitField`), else SYSLOG_IDENTIFIER.
    var line: ShortISOLine.Fields {
        ShortISOLine.Fields(
            hostname: value(.hostname),
            name: value(.userUnit).map(Self.withoutService) ?? value(.unit).map(Self.withoutService)
                ?? value(.identifier),
            pid: value(.pid), message: value(.message))
    }

    private func value(_ name: Name) -> ArraySlice<UInt8>? {
        ranges[name.rawValue].map { storage[$0] }
    }

    static func withoutService(_ unit: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        unit.count >= 8 && unit.suffix(8).elementsEqual(".service".utf8) ? unit.dropLast(8) : unit
    }
}
