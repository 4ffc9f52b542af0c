import Foundation
import Testing

@testable import TradeKit

@Suite("Process launcher: standard input")
struct ProcessRunnerInputTests {
    @Test("the input reaches the program's stdin")
    func roundTrip() async throws {
        let result = try await SubprocessLauncher().run(Command("/bin/cat", [], input: Data("alert\n".utf8)))
        #expect(result.succeeded && result.output == "alert\n")
    }

    @Test("a program that exits without reading 1 MiB of input neither blocks nor SIGPIPEs us")
    func unreadInput() async throws {
        let input = Data(repeating: 0x61, count: 1 << 20)
        let result = try await SubprocessLauncher().run(Command("/bin/sh", ["-c", "exit 3"], input: input))
        #expect(result.status == 3)
    }
}
