import Foundation

/// What the suite needs to know of one bundled example, read from its tradectl.toml.
struct Example {
    struct Component {
        var name: String
        var oneshot: Bool
        var restartDaily: Bool
    }

    var name: String
    var root: String
    var components: [Component]

    var services: [Component] { components.filter { !$0.oneshot } }
    var oneshots: [Component] { components.filter(\.oneshot) }
    /// Where the suite copies the example inside the container.
    var source: String { "/srv/tradectl-src/\(name)" }
    var config: String { "\(source)/tradectl.toml" }

    /// `<project>-<component>`, or `<project>` for a component named like it (ivcrush).
    func unitBase(_ component: String) -> String { component == name ? name : "\(name)-\(component)" }
    func service(_ component: String) -> String { "\(unitBase(component)).service" }
    func timer(_ component: String) -> String { "\(unitBase(component)).timer" }

    /// A deliberately small reader: `[project] name/root` and each `[[components]]`
    /// block's `name`, `kind` and `restart_daily`/`restart_every` — the examples' own layout.
    init(toml text: String) {
        var section = ""
        var name = ""
        var root = ""
        var components: [Component] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if line.hasPrefix("[") {
                section = line
                if line == "[[components]]" {
                    components.append(Component(name: "", oneshot: false, restartDaily: false))
                }
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            switch (section, parts[0]) {
            case ("[project]", "name"): name = value
            case ("[project]", "root"): root = value
            case ("[[components]]", "name"): components[components.count - 1].name = value
            case ("[[components]]", "kind"): components[components.count - 1].oneshot = value == "oneshot"
            case ("[[components]]", "restart_daily"), ("[[components]]", "restart_every"):
                components[components.count - 1].restartDaily = true
            default: break
            }
        }
        self.name = name
        self.root = root.isEmpty ? "/opt/\(name)" : root
        self.components = components
    }
}
