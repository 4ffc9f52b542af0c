import Foundation

/// The copy of the config that `deploy` installs and tradectl's own units read.
///
/// Units must not depend on the operator's working copy: a `git checkout` or a deleted
/// checkout would silently change or break every scheduled backup. So `deploy` writes the
/// validated, effective config (every path absolute, every default explicit, overrides
/// applied) to a stable place, and any later command run without `--config` finds it there.
/// Secrets never go into that copy: the ones that live in the config or the environment
/// (`alerts.webhook_url`) go into a 0600 env file beside it, which the units load with
/// `EnvironmentFile=` and the loader reads back as `TRADECTL_*` overrides.
public enum InstalledConfig {
    /// Where installed configs live for a scope: `/etc/tradectl` (system) or
    /// `$XDG_CONFIG_HOME/tradectl`, default `~/.config/tradectl` (user).
    public static func directory(scope: Scope, environment: [String: String]) -> String {
        switch scope {
        case .system: return "/etc/tradectl"
        case .user:
            if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return "\(xdg)/tradectl" }
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            return "\(home)/.config/tradectl"
        }
    }

    /// `<directory>/<project>.toml`.
    public static func path(project: String, scope: Scope, environment: [String: String]) -> String {
        "\(directory(scope: scope, environment: environment))/\(project).toml"
    }

    /// The secrets env file beside a config: `X.toml` → `X.env`.
    public static func secretsPath(forConfig path: String) -> String {
        (path.hasSuffix(".toml") ? String(path.dropLast(".toml".count)) : path) + ".env"
    }

    /// The installed config's text, to be written at `path`: the effective config with secrets
    /// left out, and the source config's own `runbooks/` directory listed explicitly, since the
    /// copy lives elsewhere. Deploying from the installed copy yields the same text.
    public static func text(_ deployment: Deployment, installedAt path: String) -> String {
        var installed = deployment
        let own = "\(deployment.configDirectory)/runbooks"
        var isDirectory: ObjCBool = false
        if deployment.configPath != path, !installed.runbooks.dirs.contains(own),
            FileManager.default.fileExists(atPath: own, isDirectory: &isDirectory), isDirectory.boolValue
        {
            installed.runbooks.dirs.append(own)
        }
        return ConfigPrinter.toml(installed, purpose: .install)
    }

    /// The secrets env file's text (`TRADECTL_ALERTS_WEBHOOK_URL=…`), or nil when there are none.
    public static func secrets(_ deployment: Deployment) -> String? {
        var file = EnvFile("# Written by tradectl deploy for \(deployment.project.name): secrets of its config.\n")
        guard let webhook = deployment.alerts.webhookURL else { return nil }
        guard (try? file.set("TRADECTL_ALERTS_WEBHOOK_URL", to: webhook)) != nil else { return nil }
        return file.text
    }

    /// `TRADECTL_*` assignments of the secrets file beside `configPath`, if it exists and is
    /// readable (root-only in system scope: other users simply get none).
    static func overrides(besideConfig configPath: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: secretsPath(forConfig: configPath)) else { return [:] }
        var values: [String: String] = [:]
        for line in EnvFile(String(decoding: data, as: UTF8.self)).lines {
            guard let key = EnvFile.key(of: line), key.hasPrefix("TRADECTL_"), let equals = line.firstIndex(of: "=")
            else {
                continue
            }
            values[key] = EnvFile.unquote(String(line[line.index(after: equals)...]))
        }
        return values
    }

    /// Installed configs found in `directory` (project name → path), sorted by name.
    public static func installed(in directory: String) -> [(project: String, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.sorted().map {
            (String($0.dropLast(".toml".count)), "\(directory)/\($0)")
        }
    }
}

extension EnvFile {
    /// The value of an assignment as `quote` wrote it (bare, '…' or "…" with `\` escapes),
    /// the way systemd's EnvironmentFile= reads it back.
    static func unquote(_ raw: String) -> String {
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") { return String(value.dropFirst().dropLast()) }
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
        var result = ""
        var escaping = false
        for character in value.dropFirst().dropLast() {
            if escaping {
                result.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
