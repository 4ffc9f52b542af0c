import Foundation

/// Decides what is secret and redacts it. Secrets never reach output, logs, plans or alerts.
public enum Secrets {
    public static let redacted = "<redacted>"

    /// Key names that hold secrets: API keys, tokens, passwords, webhook URLs.
    public static func isSecretKey(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["key", "secret", "token", "password", "passwd", "webhook", "credential"].contains { lower.contains($0) }
    }

    /// `KEY=value` lines of an env file with every value replaced, comments kept.
    public static func redactEnvFile(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return String(line) }
            return "\(line[..<equals])=\(redacted)"
        }.joined(separator: "\n")
    }
}
