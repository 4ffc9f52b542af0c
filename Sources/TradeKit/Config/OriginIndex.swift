import Foundation

/// Where each key path (`components[1].exec`) was set, for checks that run after decoding.
public struct OriginIndex: Sendable, Equatable {
    private var origins: [String: ConfigOrigin] = [:]
    private let rootOrigin: ConfigOrigin

    public static let empty = OriginIndex(root: ConfigNode(.table([:], order: []), origin: .defaultValue))

    init(root: ConfigNode) {
        rootOrigin = root.origin
        collect(root, path: "")
    }

    /// The origin of `path`, else of the nearest enclosing table that exists.
    public func origin(_ path: String) -> ConfigOrigin {
        var candidate = path
        while !candidate.isEmpty {
            if let origin = origins[candidate] { return origin }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = String(candidate[..<cut])
        }
        return rootOrigin
    }

    private mutating func collect(_ node: ConfigNode, path: String) {
        if !path.isEmpty { origins[path] = node.origin }
        switch node.value {
        case .table(let entries, _):
            for (key, child) in entries { collect(child, path: path.isEmpty ? key : "\(path).\(key)") }
        case .array(let items):
            for (index, child) in items.enumerated() { collect(child, path: "\(path)[\(index)]") }
        default:
            break
        }
    }
}
