import Foundation

/// One D-Bus property value as `SystemdBus` reads it (no C types: see SystemdBus.swift).
enum BusValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case signed(Int64)
    case unsigned(UInt64)
    case double(Double)
    case strings([String])
    /// A container type tradectl has no use for (arrays of structs, …): shown empty.
    case unsupported(String)

    /// The value as `systemctl show --timestamp=unix` prints it, so callers written for
    /// systemctl's output read the bus unchanged: timestamps `@<seconds>` (empty when unset),
    /// booleans yes/no, an unset 64-bit counter `[not set]`, an infinite span `infinity`.
    /// Time spans stay plain microseconds (systemctl would write "1min 30s"; nobody reads them).
    func shown(as property: String) -> String {
        switch self {
        case .string(let text): return text
        case .bool(let flag): return flag ? "yes" : "no"
        case .signed(let number): return String(number)
        case .double(let number): return String(number)
        case .strings(let list): return list.joined(separator: " ")
        case .unsupported: return ""
        case .unsigned(let number):
            if Self.isTimestamp(property) {
                return number == 0 || number == UInt64.max ? "" : "@\(number / 1_000_000)"
            }
            if number == UInt64.max {
                return property.hasSuffix("USec") || property.hasSuffix("Sec") ? "infinity" : "[not set]"
            }
            return String(number)
        }
    }

    /// The wall-clock properties systemctl formats as dates (its rule: a `…Timestamp` name, or one
    /// of the timer's realtime ones).
    static func isTimestamp(_ property: String) -> Bool {
        property.hasSuffix("Timestamp") || ["LastTriggerUSec", "NextElapseUSecRealtime"].contains(property)
    }
}

/// Where systemd keeps a unit property: on `org.freedesktop.systemd1.Unit`, or on the
/// interface of the unit's type (`….Service`, `….Timer`). A name in neither list is tried on
/// the type's interface, then on Unit.
enum UnitInterfaces {
    static let unit = "org.freedesktop.systemd1.Unit"
    static let unitProperties: Set<String> = [
        "Id", "Names", "Following", "Description", "LoadState", "ActiveState", "FreezerState", "SubState",
        "FragmentPath", "SourcePath", "DropInPaths", "UnitFileState", "UnitFilePreset", "StateChangeTimestamp",
        "StateChangeTimestampMonotonic", "InactiveExitTimestamp", "InactiveExitTimestampMonotonic",
        "ActiveEnterTimestamp", "ActiveEnterTimestampMonotonic", "ActiveExitTimestamp",
        "ActiveExitTimestampMonotonic", "InactiveEnterTimestamp", "InactiveEnterTimestampMonotonic", "CanStart",
        "CanStop", "CanReload", "CanIsolate", "CanFreeze", "Job", "StopWhenUnneeded", "RefuseManualStart",
        "RefuseManualStop", "Transient", "Perpetual", "ConditionResult", "AssertResult", "ConditionTimestamp",
        "AssertTimestamp", "InvocationID", "CollectMode", "NeedDaemonReload", "Requires", "Wants", "After", "Before",
        "Triggers", "TriggeredBy", "PartOf", "BindsTo", "Conflicts",
    ]

    /// `org.freedesktop.systemd1.Service` for `x.service`; nil for a name with no known type.
    static func typeInterface(of unit: String) -> String? {
        guard let dot = unit.lastIndex(of: ".") else { return nil }
        let type = unit[unit.index(after: dot)...]
        let known = [
            "service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope",
        ]
        guard known.contains(String(type)) else { return nil }
        return "org.freedesktop.systemd1." + type.prefix(1).uppercased() + type.dropFirst()
    }

    /// The interfaces to ask for `property` of `unit`, most likely first.
    static func candidates(_ property: String, of unitName: String) -> [String] {
        guard let typed = typeInterface(of: unitName) else { return [unit] }
        return unitProperties.contains(property) ? [unit, typed] : [typed, unit]
    }
}

/// A D-Bus bus address value, escaped as the spec wants (bytes outside `[-0-9A-Za-z_/.\]` as `%XX`).
func busAddressEscape(_ value: String) -> String {
    var out = ""
    for byte in value.utf8 {
        let scalar = Character(Unicode.Scalar(byte))
        if byte < 0x80, scalar.isLetter || scalar.isNumber || "-_/.\\".contains(scalar) {
            out.append(scalar)
        } else {
            out += String(format: "%%%02x", byte)
        }
    }
    return out
}
