import Foundation

/// A failed system call with the path it was about, e.g. `rename(/opt/v6/.current.tmp): EXDEV`.
public struct SystemCallError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { errno == EACCES || errno == EPERM ? .noPermission : .failure }
    public var call: String
    public var path: String
    public var errno: Int32

    public var description: String {
        "\(call)(\(path)) failed: \(String(cString: strerror(errno)))"
    }
}

/// Runs a system call, retrying on EINTR and turning -1 into a typed error.
@discardableResult
func systemCall(_ name: String, _ path: String, _ body: () -> Int32) throws -> Int32 {
    while true {
        let result = body()
        if result != -1 { return result }
        if errno == EINTR { continue }
        throw SystemCallError(call: name, path: path, errno: errno)
    }
}
