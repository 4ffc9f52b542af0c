import Foundation

/// A dotted version, compared component by component (`3.9` < `3.11`; missing parts count as 0).
public struct DottedVersion: Sendable, Comparable, CustomStringConvertible {
    public var parts: [Int]

    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        self.parts = parts.compactMap { $0 }
    }

    /// The first dotted version in a program's `--version` output: `Python 3.11.2` → 3.11.2.
    public static func first(in output: String) -> DottedVersion? {
        guard let match = output.firstMatch(of: /[0-9]+(\.[0-9]+)+/) else { return nil }
        return DottedVersion(parsing: String(match.output.0))
    }

    public static func < (lhs: DottedVersion, rhs: DottedVersion) -> Bool {
        compare(lhs, rhs) < 0
    }

    public static func == (lhs: DottedVersion, rhs: DottedVersion) -> Bool { compare(lhs, rhs) == 0 }

    static func compare(_ lhs: DottedVersion, _ rhs: DottedVersion) -> Int {
        for index in 0..<max(lhs.parts.count, rhs.parts.count) {
            let left = index < lhs.parts.count ? lhs.parts[index] : 0
            let right = index < rhs.parts.count ? rhs.parts[index] : 0
            if left != right { return left < right ? -1 : 1 }
        }
        return 0
    }

    public var description: String { parts.map(String.init).joined(separator: ".") }
}

/// `">=3.11"`, `">=3.10, <3.13"`, `"==3.11"`: every clause must hold (as in PEP 440, without wildcards).
public struct VersionConstraint: Sendable, CustomStringConvertible {
    enum Operator: String, CaseIterable {
        // Two-character operators first, so `>=` is not read as `>`.
        case atLeast = ">=", atMost = "<=", equal = "==", notEqual = "!=", above = ">", below = "<"
    }

    var clauses: [(Operator, DottedVersion)]
    public let description: String

    public init?(parsing text: String) {
        var clauses: [(Operator, DottedVersion)] = []
        for raw in text.split(separator: ",") {
            let clause = raw.trimmingCharacters(in: .whitespaces)
            guard let op = Operator.allCases.first(where: { clause.hasPrefix($0.rawValue) }),
                let version = DottedVersion(
                    parsing: clause.dropFirst(op.rawValue.count).trimmingCharacters(in: .whitespaces))
            else { return nil }
            clauses.append((op, version))
        }
        guard !clauses.isEmpty else { return nil }
        self.clauses = clauses
        description = text
    }

    public func admits(_ version: DottedVersion) -> Bool {
        clauses.allSatisfy { op, bound in
            switch op {
            case .atLeast: return version >= bound
            case .atMost: return version <= bound
            case .equal: return version == bound
            case .notEqual: return version != bound
            case .above: return version > bound
            case .below: return version < bound
            }
        }
    }
}
