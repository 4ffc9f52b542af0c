import Foundation

/// A release source given as a git URL: `git clone --depth 1 [--branch V]` into a temp dir.
public enum GitSource {
    public static func isURL(_ source: String) -> Bool {
        source.contains("://") || source.hasPrefix("git@") || source.hasSuffix(".git")
    }

    /// Clones and returns the checkout and its commit.
    public static func fetch(_ url: String, branch: String?, launcher: ProcessLauncher) async throws -> (path: String, commit: String) {
        let directory = NSTemporaryDirectory() + "tradectl-source-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var arguments = ["clone", "--quiet", "--depth", "1"]
        if let branch { arguments += ["--branch", branch] }
        let clone = try await launcher.run(Command("git", arguments + [url, directory]))
        guard clone.succeeded else { throw CommandFailure(command: "git clone \(url)", result: clone) }
        let head = try await launcher.run(Command("git", ["-C", directory, "rev-parse", "HEAD"]))
        guard head.succeeded else { throw CommandFailure(command: "git rev-parse HEAD", result: head) }
        return (directory, head.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
