import Foundation
import GRDB
import Testing

@testable import TradeKit

/// Recognising a full filesystem in any layer's error (NoSpaceLeft.swift).
@Suite("No space left")
struct NoSpaceLeftTests {
    @Test("found in a system call, an applied action, Foundation, SQLite and plain text; not elsewhere")
    func recognised() throws {
        let dir = TempDir()
        let call = SystemCallError(call: "write", path: "\(dir.path)/releases/v1/model.bin", errno: ENOSPC)
        let applied = ApplyError(action: "copy-release \(dir.path)/releases/v1", underlying: call, compensated: false)
        let full = try #require(NoSpaceLeft(applied, command: "tradectl deploy"))
        #expect(full.mountPoint != nil && full.free != nil)
        #expect(full.description.hasPrefix("no space left on \(full.mountPoint ?? "")"), "\(full)")
        #expect(full.description.hasSuffix("free space on \(full.mountPoint ?? "") and run `tradectl deploy` again"))

        let cocoa = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "\(dir.path)/x"])
        #expect(NoSpaceLeft(cocoa, command: "tradectl restore")?.mountPoint != nil)
        let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(EDQUOT))
        #expect(NoSpaceLeft(posix, command: "tradectl update") != nil)
        #expect(NoSpaceLeft(DatabaseError(resultCode: .SQLITE_FULL), command: "tradectl db vacuum") != nil)
        let text = "tar: \(dir.path)/a: No space left on device"
        #expect(NoSpaceLeft(Plain(text: text), command: "tradectl backup")?.mountPoint != nil)

        #expect(
            NoSpaceLeft(SystemCallError(call: "open", path: "/x", errno: EACCES), command: "tradectl deploy") == nil)
        #expect(NoSpaceLeft(DiskFull(directory: dir.path), command: "tradectl backup") == nil, "already one clear line")
    }

    @Test("the mount point of a path is the highest ancestor on its device; a missing path is judged by its parent")
    func mountPoint() {
        #expect(NoSpaceLeft.mountPoint(of: "/") == "/")
        let proc = NoSpaceLeft.mountPoint(of: "/proc/self/status")
        #expect(proc == "/proc")
        #expect(NoSpaceLeft.mountPoint(of: "/proc/no/such/file") == "/proc")
    }

    struct Plain: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
