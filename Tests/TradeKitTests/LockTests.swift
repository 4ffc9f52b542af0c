import Foundation
import Testing

@testable import TradeKit

@Suite("Project lock")
struct LockTests {
    @Test("a second mutating command exits 75 naming the holder")
    func secondDeployExits75() throws {
        let dir = TempDir()
        let root = "\(dir.path)/root"
        let lockPath = "\(root)/var/lib/tradectl/v6/tradectl.lock"
        let holder = try ProjectLock(path: lockPath, command: "deploy")
        let result = try runTradectl(["deploy", "--config", Repo.example("v6"), "--root", root])
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("pid=\(getpid())"))
        #expect(result.stderr.contains("command=\"deploy\""))
        #expect(result.stderr.contains("since="))
        withExtendedLifetime(holder) {}
    }

    @Test("a killed holder leaves no stale lock")
    func killedHolderReleases() throws {
        let dir = TempDir()
        let lockPath = "\(dir.path)/state/tradectl.lock"
        // A child process takes the lock with flock(1) and is killed with SIGKILL.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        try FileManager.default.createDirectory(atPath: "\(dir.path)/state", withIntermediateDirectories: true)
        child.arguments = ["-o", lockPath, "sleep", "5"]
        try child.run()
        var held = false
        for _ in 0..<50 {
            if (try? ProjectLock(path: lockPath, command: "probe")) == nil { held = true; break }
            usleep(50_000)
        }
        #expect(held)
        kill(child.processIdentifier, SIGKILL)
        usleep(300_000)
        let lock = try ProjectLock(path: lockPath, command: "after-kill")
        withExtendedLifetime(lock) {}
    }

    @Test("--lock-wait waits for the holder to finish")
    func lockWaitWaits() throws {
        let dir = TempDir()
        let root = "\(dir.path)/root"
        let lockPath = "\(root)/var/lib/tradectl/v6/tradectl.lock"
        try FileManager.default.createDirectory(
            atPath: (lockPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        child.arguments = [lockPath, "sleep", "2"]
        try child.run()
        usleep(300_000)
        let result = try runTradectl(["deploy", "--lock-wait", "20", "--config", Repo.example("v6"), "--root", root])
        #expect(result.status == 0, "\(result.stderr)")
        child.waitUntilExit()
    }
}
