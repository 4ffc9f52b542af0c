import Foundation

/// Lets global options stand before or after the command name, as with git or restic.
///
/// swift-argument-parser parses a subcommand's `@OptionGroup` only after the
/// subcommand's name, so `tradectl --config x deploy` would fail with "Unknown
/// option". This moves every global option to the end of the argument list (before a
/// `--` terminator), where every subcommand accepts it.
public enum ArgumentNormalizer {
    public static let valueOptions: Set<String> = ["--config", "--project", "--root"]
    public static let flagOptions: Set<String> = ["--json", "--no-color", "--verbose", "--quiet", "-v", "-q"]

    public static func normalize(_ arguments: [String]) -> [String] {
        var rest: [String] = []
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                rest += globals + arguments[index...]
                return rest
            }
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if valueOptions.contains(name) {
                if argument.contains("=") {
                    globals.append(argument)
                } else if index + 1 < arguments.count {
                    globals += [argument, arguments[index + 1]]
                    index += 1
                } else {
                    globals.append(argument)  // the parser reports the missing value
                }
            } else if flagOptions.contains(argument) {
                globals.append(argument)
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return rest + globals
    }
}
