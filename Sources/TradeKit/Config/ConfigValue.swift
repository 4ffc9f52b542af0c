import Foundation

/// Where a config value came from, so every problem can point at it.
public enum ConfigOrigin: Sendable, Equatable, CustomStringConvertible {
    /// A line of the config file (1-based).
    case file(path: String, line: Int)
    /// An environment variable override.
    case environment(variable: String)
    /// A command-line flag.
    case flag(String)
    /// A built-in default.
    case defaultValue

    public var description: String {
        switch self {
        case .file(let path, let line): return "\(path):\(line)"
        case .environment(let variable): return "environment \(variable)"
        case .flag(let flag): return "flag \(flag)"
        case .defaultValue: return "default"
        }
    }
}

/// A TOML value detached from TOMLKit's C++ nodes, annotated with its origin.
///
/// TOMLKit does not expose source positions of parsed keys, so the loader copies the
/// tree into this Sendable form and attaches the line that `KeyLocator` found.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case array([ConfigNode])
    case table([String: ConfigNode], order: [String])
    /// Dates and times: valid TOML, but no tradectl key takes one.
    case other(String)

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .double: return "a number"
        case .bool: return "a boolean"
        case .array: return "a list"
        case .table: return "a table"
        case .other: return "a date/time"
        }
    }
}

/// One value and where it was written.
public struct ConfigNode: Sendable, Equatable {
    public var value: ConfigValue
    public var origin: ConfigOrigin

    public init(_ value: ConfigValue, origin: ConfigOrigin) {
        self.value = value
        self.origin = origin
    }
}
