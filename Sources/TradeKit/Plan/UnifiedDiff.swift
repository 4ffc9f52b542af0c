import Foundation

/// A unified diff (`diff -u` style, 3 lines of context) between two texts.
///
/// Unit files and configs are small, so a plain LCS table is fast enough and keeps
/// this readable.
public enum UnifiedDiff {
    public static func make(old: String?, new: String, path: String, context: Int = 3) -> String {
        let oldLines = old.map(lines) ?? []
        let newLines = lines(new)
        let edits = script(oldLines, newLines)
        let header = "--- \(old == nil ? "/dev/null" : "a\(path)")\n+++ b\(path)\n"
        return header + hunks(edits, context: context).joined()
    }

    private enum Edit: Equatable {
        case keep(String), remove(String), insert(String)
    }

    private static func lines(_ text: String) -> [String] {
        var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if result.last == "" { result.removeLast() }
        return result
    }

    private static func script(_ a: [String], _ b: [String]) -> [Edit] {
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var edits: [Edit] = []
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                edits.append(.keep(a[i]))
                i += 1
                j += 1
            } else if table[i + 1][j] >= table[i][j + 1] {
                edits.append(.remove(a[i]))
                i += 1
            } else {
                edits.append(.insert(b[j]))
                j += 1
            }
        }
        edits += a[i...].map(Edit.remove) + b[j...].map(Edit.insert)
        return edits
    }

    private static func hunks(_ edits: [Edit], context: Int) -> [String] {
        let changed = edits.indices.filter { if case .keep = edits[$0] { return false } else { return true } }
        guard !changed.isEmpty else { return [] }
        // Group changes whose context windows touch.
        var groups: [ClosedRange<Int>] = []
        for index in changed {
            let window = max(0, index - context)...min(edits.count - 1, index + context)
            if let last = groups.last, window.lowerBound <= last.upperBound + 1 {
                groups[groups.count - 1] = last.lowerBound...window.upperBound
            } else {
                groups.append(window)
            }
        }
        var result: [String] = []
        for group in groups {
            var oldStart = 1
            var newStart = 1
            for edit in edits[..<group.lowerBound] {
                switch edit {
                case .keep: oldStart += 1; newStart += 1
                case .remove: oldStart += 1
                case .insert: newStart += 1
                }
            }
            var body = ""
            var oldCount = 0
            var newCount = 0
            for edit in edits[group] {
                switch edit {
                case .keep(let line): body += " \(line)\n"; oldCount += 1; newCount += 1
                case .remove(let line): body += "-\(line)\n"; oldCount += 1
                case .insert(let line): body += "+\(line)\n"; newCount += 1
                }
            }
            let oldHeader = oldCount == 0 ? "\(oldStart - 1),0" : "\(oldStart),\(oldCount)"
            let newHeader = newCount == 0 ? "\(newStart - 1),0" : "\(newStart),\(newCount)"
            result.append("@@ -\(oldHeader) +\(newHeader) @@\n" + body)
        }
        return result
    }
}
