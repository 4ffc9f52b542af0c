import Foundation

/// A release source given as a git URL: `git clone --depth 1 [--branch V]` into a private
/// temporary directory that lives only while the release is planned and built from it.
///
/// `update --dry-run` clones too: its plan is only the plan that runs if it is made from
/// the tree itself — the source digest (is this release installed already?), the entries
/// copied, the shared files seeded from it. `git ls-remote` gives the commit alone, and
/// `git archive --remote` is refused by most hosts (GitHub among them). The clone goes
/// outside the project and `--root` (the host's temp dir), in a `mkdtemp` directory (0700,
/// so no other user can read or swap the checkout), and is removed on every way out, so a
/// dry run leaves nothing behind.
public enum GitSource {
    public static func isURL(_ source: String) -> Bool {
        source.contains("://") || source.hasPrefix("git@") || source.hasSuffix(".git")
    }

    /// A checkout: its host path and commit.
    public struct Checkout: Sendable {
        public var path: String
        public var commit: String
    }

    /// Clones `url` into a fresh private directory, runs `body` with the checkout and removes
    /// the directory afterwards, whether `body` (or the clone) succeeded or threw. `avoiding`
    /// are trees the checkout must not land in (the project's `--root`): when the temp dir
    /// is inside one of them, `/tmp` is used instead.
    public static func withCheckout<T>(
        _ url: String, branch: String?, avoiding: [String] = [], launcher: ProcessLauncher,
        _ body: (Checkout) async throws -> T
    ) async throws -> T {
        let directory = try makePrivateDirectory(avoiding: avoiding)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A directory inside the 0700 one: git creates it with the umask's mode, the parent
        // keeps it private.
        let checkout = "\(directory)/source"
        var arguments = ["clone", "--quiet", "--depth", "1"]
        if let branch { arguments += ["--branch", branch] }
        let clone = try await launcher.run(Command("git", arguments + [url, checkout]))
        guard clone.succeeded else { throw CommandFailure(command: "git clone \(url)", result: clone) }
        let head = try await launcher.run(Command("git", ["-C", checkout, "rev-parse", "HEAD"]))
        guard head.succeeded else { throw CommandFailure(command: "git rev-parse HEAD", result: head) }
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await body(Checkout(path: checkout, commit: commit))
    }

    /// `mkdtemp` under the host's temp dir (or `/tmp` when that lies in an avoided tree).
    static func makePrivateDirectory(avoiding: [String]) throws -> String {
        var base = URL(fileURLWithPath: NSTemporaryDirectory()).standardizedFileURL.path
        let inside = avoiding.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.contains {
            $0 != "/" && (base == $0 || base.hasPrefix($0 + "/"))
        }
        if inside { base = "/tmp" }
        var template = Array("\(base)/tradectl-source.XXXXXX".utf8CString)
        let made: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress, let path = mkdtemp(start) else { return nil }
            return String(cString: path)
        }
        guard let made else { throw SystemCallError(call: "mkdtemp", path: base, errno: errno) }
        return made
    }
}
