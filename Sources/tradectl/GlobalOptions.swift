import ArgumentParser

/// Options every command accepts, before or after its name (see `ArgumentNormalizer`).
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Config file (default: $TRADECTL_CONFIG, ./tradectl.toml, else the config `deploy` installed).")
    var config: String?

    @Option(
        name: .long,
        help: "Use the installed config of project NAME (/etc/tradectl/NAME.toml; ~/.config/tradectl for a user).")
    var project: String?

    @Option(name: .long, help: "Root every path of the plan under DIR (offline install, like systemctl --root).")
    var root: String?

    @Flag(name: .long, help: "Print one JSON document on stdout.")
    var json = false

    @Flag(name: .long, help: "Never colour output (also when NO_COLOR is set).")
    var noColor = false

    @Flag(name: [.short, .long], help: "More detail: unchanged actions, debug logs.")
    var verbose = false

    @Flag(name: [.short, .long], help: "Only errors.")
    var quiet = false
}
