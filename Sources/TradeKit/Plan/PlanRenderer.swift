import Foundation

/// Prints a plan for `--dry-run` (and before applying): human text or the stable JSON.
public enum PlanRenderer {
    /// `{"changes": N, "actions": [{"type", "target", "change", "note", "diff"}], "notes": [...]}`;
    /// `diff` is the unified diff of a changing file action (secrets already redacted), as the
    /// text plan shows it under the action; absent for unchanged actions and for the others.
    public static func json(_ plan: Plan) -> String {
        struct Document: Encodable {
            struct Entry: Encodable {
                var type: String
                var target: String
                var change: String
                var note: String?
                var diff: String?
            }
            struct Undo: Encodable {
                /// Index (in `actions`) after which a failure applies `actions`.
                var after: Int
                var reason: String
                var actions: [Entry]
            }
            var command: String
            var changes: Int
            var actions: [Entry]
            var notes: [String]
            var compensation: Undo?
        }
        func entries(_ actions: [Action]) -> [Document.Entry] {
            actions.map {
                .init(
                    type: $0.effect.typeName, target: $0.effect.target, change: $0.change.rawValue, note: $0.note,
                    diff: $0.change == .unchanged || $0.diff?.isEmpty != false ? nil : $0.diff)
            }
        }
        let document = Document(
            command: plan.command, changes: plan.changes.count, actions: entries(plan.actions), notes: plan.notes,
            compensation: plan.compensation.map {
                .init(after: $0.afterIndex, reason: $0.reason, actions: entries($0.actions))
            })
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
        for (index, action) in plan.actions.enumerated() where verbose || action.change != .unchanged {
            out += line(action, color: color)
            if let compensation = plan.compensation, compensation.afterIndex == index {
                out += "  if a later step fails (\(compensation.reason)):\n"
                for undo in compensation.actions { out += "  " + line(undo, color: color) }
            }
        }
        for note in plan.notes { out += "note: \(note)\n" }
        return out
    }

    private static func line(_ action: Action, color: Bool) -> String {
        var out = ""
        let symbol: String
        switch action.change {
        case .create: symbol = "+"
        case .update: symbol = "~"
        case .delete: symbol = "-"
        case .run: symbol = ">"
        case .unchanged: symbol = "="
        }
        let note = action.note.map { "  (\($0))" } ?? ""
        let line =
            "\(symbol) \(action.change.rawValue.padded(9)) \(action.effect.typeName.padded(22)) "
            + "\(action.effect.target)\(note)\n"
        out += color ? colorize(line, action.change) : line
        if let diff = action.diff, action.change != .unchanged {
            for diffLine in diff.split(separator: "\n", omittingEmptySubsequences: false) where !diffLine.isEmpty {
                out += "    \(diffLine)\n"
            }
        }
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
