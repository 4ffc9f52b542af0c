import Foundation
import Testing

@testable import TradeKit

/// Hostile and corrupt archives from scripts/make-test-archives.py are refused with exit 65.
@Suite("Hostile and corrupt archives")
struct HostileArchiveTests {
    static let refused = [
        "traversal", "absolute", "symlink-escape", "symlink-relative-escape", "hardlink", "hardlink-outside", "device",
        "fifo", "oversize", "many-entries", "wrong-project", "newer-format", "truncated", "bitflip",
        "manifest-mismatch", "missing-manifest", "db-corrupt", "not-an-archive",
    ]

    static let archives: String = {
        let dir = NSTemporaryDirectory() + "tradectl-hostile-\(getpid())"
        _ = try? shell("python3 '\(Repo.root)/scripts/make-test-archives.py' '\(dir)' --project demo --zstd")
        return dir
    }()

    static func config() -> String {
        let dir = NSTemporaryDirectory() + "tradectl-hostile-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/tradectl.toml"
        let text = minimalConfig(source: dir, root: "\(dir)/opt").replacingOccurrences(
            of: "dir = \"\(dir)/opt/backups\"",
            with: "dir = \"\(dir)/backups\"\nmax_entry_mib = 16\nmax_entries = 10000")
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the good archive verifies (gzip and zstd)", arguments: ["good.tar.gz", "good.tar.zst"])
    func good(name: String) throws {
        let result = try runTradectl(["backup", "verify", "\(Self.archives)/\(name)", "--config", Self.config()])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("refused with exit 65", arguments: refused)
    func refusedArchive(name: String) throws {
        let path = "\(Self.archives)/\(name).tar.gz"
        try #require(FileManager.default.fileExists(atPath: path), "fixture \(name) missing")
        let result = try runTradectl(["backup", "verify", path, "--config", Self.config()])
        #expect(result.status == 65, "\(name): \(result.stdout)\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tradectl-absolute-escape.txt"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tradectl-written-through.txt"))
        #expect(result.stderr.contains("refused") || result.stdout.contains("FAIL"), "\(result.stderr)")
    }
}
