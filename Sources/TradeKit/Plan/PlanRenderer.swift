import Foundation

/// Prints a plan for `--dry-run` (and before applying): human text or the stable JSON.
public enum PlanRenderer {
    /// `{"changes": N, "actions": [{"type", "target", "change"}], "notes": [...]}`
    public static func json(_ plan: Plan) -> String {
        struct Document: Encodable {
            struct Entry: Encodable {
                var type: String
                var target: String
                var change: String
                var note: String?
            }
            var command: String
            var changes: Int
            var actions: [Entry]
            var notes: [String]
        }
        let document = Document(
            command: plan.command, changes: plan.changes.count,
            actions: plan.actions.map {
                .init(type: $0.operation.typeName, target: $0.operation.target, change: $0.change.rawValue, note: $0.note)
            },
            notes: plan.notes)
        return JSONOutput.string(document)
    }

    /// One line per action, unified diffs under file actions; unchanged actions only with `verbose`.
    public static func text(_ plan: Plan, verbose: Bool = false, color: Bool = false) -> String {
        var out = ""
        let changes = plan.changes.count
        if changes == 0 {
            out += "\(plan.command): nothing to do — the machine already matches the config (0 changes).\n"
        } else {
            out += "\(plan.command): \(changes) change\(changes == 1 ? "" : "s") planned\n"
        }
        for action in plan.actions where verbose || action.change != .unchanged {
            let symbol: String
            switch action.change {
            case .create: symbol = "+"
            case .update: symbol = "~"
            case .delete: symbol = "-"
            case .run: symbol = ">"
            case .unchanged: symbol = "="
            }
            let note = action.note.map { "  (\($0))" } ?? ""
            let line = "\(symbol) \(action.change.rawValue.padded(9)) \(action.operation.typeName.padded(22)) "
                + "\(action.operation.target)\(note)\n"
            out += color ? colorize(line, action.change) : line
            if let diff = action.diff, action.change != .unchanged {
                for diffLine in diff.split(separator: "\n", omittingEmptySubsequences: false) where !diffLine.isEmpty {
                    out += "    \(diffLine)\n"
                }
            }
        }
        for note in plan.notes { out += "note: \(note)\n" }
        return out
    }

    private static func colorize(_ line: String, _ change: ChangeKind) -> String {
        let code: String
        switch change {
        case .create: code = "32"
        case .update: code = "33"
        case .delete: code = "31"
        case .run: code = "36"
        case .unchanged: code = "2"
        }
        return "\u{1B}[\(code)m\(line.dropLast())\u{1B}[0m\n"
    }
}
