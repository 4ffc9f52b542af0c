import Foundation
import Testing

@testable import TradeKit

/// kill -9 at every fail point of a deploy: `current` always names a complete release,
/// and a re-run converges to the new release with nothing left to do.
@Suite("Crash consistency")
struct CrashConsistencyTests {
    @Test("SIGKILL at every point of a deploy or update over an existing release", arguments: ["deploy", "update"])
    func killAnywhere(command: String) throws {
        let dir = TempDir()
        _ = dir.write("src/engine.py", "print('v1')\n")
        for module in ["util", "orders", "risk", "broker", "positions"] {
            _ = dir.write("src/lib/\(module).py", "NAME = '\(module)'\n")
        }
        _ = dir.write("src/.env", "API_KEY=demo\n", mode: 0o600)
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(source: "\(dir.path)/src", root: "/opt/demo").replacingOccurrences(
                of: "shared = [", with: "build = [\"touch built.flag\"]\nkeep = 2\nshared = ["))
        var killedPoints = 0
        var point = 1
        while point < 500 {
            let root = "\(dir.path)/root-\(command)-\(point)"
            let base = try runTradectl(["deploy", "--config", config, "--root", root])
            try #require(base.status == 0, "\(base.stderr)")
            let old = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current")
            // A new source, so the deploy under test creates, links, builds and switches.
            _ = dir.write("src/engine.py", "print('v2 \(point)')\n")
            defer { _ = dir.write("src/engine.py", "print('v1')\n") }
            let crashed = try runTradectl(
                [command, "--config", config, "--root", root], environment: ["TRADECTL_CRASH_AT": "\(point)"])
            if crashed.status == 0 { break }  // past the last fail point: the deploy completed
            #expect(crashed.status == 9 || crashed.status == 137 || crashed.stderr.contains("crash point"))
            killedPoints += 1
            let current = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current")
            let metadata = "\(root)/opt/demo/\(current)/\(ReleaseMetadata.fileName)"
            #expect(FileManager.default.fileExists(atPath: metadata), "point \(point): current → incomplete \(current)")
            #expect(FileManager.default.fileExists(atPath: "\(root)/opt/demo/\(current)/built.flag"))
            #expect(current == old || current != old)  // either is fine; a mix is what the checks above exclude
            let rerun = try runTradectl([command, "--config", config, "--root", root])
            #expect(rerun.status == 0, "point \(point): re-run failed: \(rerun.stderr)")
            let converged = try runTradectl(["deploy", "--json", "--config", config, "--root", root])
            #expect(converged.stdout.contains("\"changes\" : 0"), "point \(point): not converged: \(converged.stdout)")
            let final = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current")
            #expect(final != old, "point \(point): re-run did not move to the new release")
            try? FileManager.default.removeItem(atPath: root)
            point += 1
        }
        #expect(killedPoints >= 20, "only \(killedPoints) fail points exercised")
        print("crash consistency: killed \(command) at \(killedPoints) fail points")
    }
}
