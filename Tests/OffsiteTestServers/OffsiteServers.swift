import Foundation

/// Real off-site servers on loopback for the off-site tests (unit suite) and the disaster-
/// recovery drill (integration suite): an S3 server (moto, from PyPI, installed by
/// scripts/install-deps.sh) and an SSH server (Debian's openssh-server) with its own host key
/// and an authorized client key. No mock of rclone or of the servers.
public enum OffsiteServers {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("repository root not found above \(#filePath)")
    }()

    public static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (paths + ["\(repoRoot)/.cache/moto/bin"]).map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static var rclone: String? { which("rclone") }
    public static var motoServer: String? { which("moto_server") }
    public static var sshd: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") ? "/usr/sbin/sshd" : nil
    }

    public static var motoMissing: String? {
        rclone == nil
            ? "rclone is not installed (scripts/install-deps.sh)"
            : motoServer == nil
                ? "moto_server is not installed (scripts/install-deps.sh: pip install 'moto[server]')" : nil
    }
    public static var sshdMissing: String? {
        rclone == nil
            ? "rclone is not installed (scripts/install-deps.sh)"
            : sshd == nil
                ? "sshd is not installed (scripts/install-deps.sh: openssh-server)" : nil
    }

    /// A port the kernel picks for a loopback socket, free once the socket is closed.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError(message: "socket: \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw ServerError(message: "bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// True when something accepts a connection on the loopback port (no child process:
    /// Foundation's Process is the thing under test elsewhere, not here).
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: UInt16(port))
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Waits until something accepts connections on the port.
    public static func waitListening(_ port: Int, process: Process, log: String) throws {
        for _ in 0..<200 {
            if accepts(port) { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw ServerError(message: "server on port \(port) did not start: \(output)")
    }

    public static func launch(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// `moto_server` on a free loopback port; buckets live in its memory (a restart empties it).
public final class MotoServer {
    public let dir = ServerDirectory("tradectl-moto")
    public let port: Int
    private var process: Process?
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        port = try OffsiteServers.freePort()
        try start()
    }

    public func start() throws {
        guard let executable = OffsiteServers.motoServer else { throw ServerError(message: "no moto_server") }
        let log = "\(dir.path)/moto.log"
        let process = try OffsiteServers.launch(executable, ["-H", "127.0.0.1", "-p", "\(port)"], log: log)
        self.process = process
        try OffsiteServers.waitListening(port, process: process, log: log)
    }

    public func stop() {
        guard let process, process.isRunning else { return }
        // moto_server (werkzeug) ignores SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { stop() }

    /// rclone with a plain (unencrypted) S3 remote `raw:` on this server, as an attacker with
    /// the bucket's credentials would see it.
    public func raw(_ arguments: String) throws -> (String, Int32) {
        try serverShell(
            "AWS_CA_BUNDLE= RCLONE_CONFIG_RAW_TYPE=s3 RCLONE_CONFIG_RAW_PROVIDER=Other RCLONE_CONFIG_RAW_ACCESS_KEY_ID=testing "
                + "RCLONE_CONFIG_RAW_SECRET_ACCESS_KEY=testing RCLONE_CONFIG_RAW_ENDPOINT=\(endpoint) "
                + "rclone --config /dev/null \(arguments)")
    }
}

/// An sshd on a free loopback port with its own host key, accepting one generated client key
/// for the current user; sftp through `internal-sftp`.
public final class SSHServer {
    public let dir = ServerDirectory("tradectl-sshd")
    public let port: Int
    public var clientKey: String { "\(dir.path)/client_key" }
    public var knownHosts: String { "\(dir.path)/known_hosts" }
    public let user = NSUserName()

    public init() throws {
        guard let sshd = OffsiteServers.sshd else { throw ServerError(message: "no sshd") }
        port = try OffsiteServers.freePort()
        let d = dir.path
        for key in ["host_key", "client_key"] {
            let (out, status) = try serverShell("ssh-keygen -q -t ed25519 -N '' -f '\(d)/\(key)'")
            guard status == 0 else { throw ServerError(message: "ssh-keygen: \(out)") }
        }
        try FileManager.default.copyItem(atPath: "\(d)/client_key.pub", toPath: "\(d)/authorized_keys")
        let hostKey = try String(contentsOfFile: "\(d)/host_key.pub", encoding: .utf8)
        _ = dir.write("known_hosts", "[127.0.0.1]:\(port) \(hostKey)")
        let config = dir.write(
            "sshd_config",
            """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(d)/host_key
            AuthorizedKeysFile \(d)/authorized_keys
            PidFile \(d)/sshd.pid
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            Subsystem sftp internal-sftp

            """)
        // sshd refuses to start without its privilege-separation directory.
        try? FileManager.default.createDirectory(
            atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // Daemonized (no -D): sshd detaches, so the test process never has it as a child.
        let (out, status) = try serverShell("'\(sshd)' -f '\(config)' -E '\(d)/sshd.log'")
        guard status == 0 else { throw ServerError(message: "sshd: \(out)") }
        for _ in 0..<100 where !OffsiteServers.accepts(port) { usleep(100_000) }
        guard OffsiteServers.accepts(port) else {
            throw ServerError(
                message: "sshd did not listen: \((try? String(contentsOfFile: "\(d)/sshd.log", encoding: .utf8)) ?? "")"
            )
        }
    }

    deinit {
        if let text = try? String(contentsOfFile: "\(dir.path)/sshd.pid", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGTERM)
        }
    }
}

/// A server could not be started (the message says why).
public struct ServerError: Error { public var message: String }

/// A private temporary directory, removed with its owner.
public final class ServerDirectory {
    public let path: String
    init(_ label: String) {
        let template = NSTemporaryDirectory() + "\(label).XXXXXX"
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relative: String, _ text: String) -> String {
        let file = "\(path)/\(relative)"
        FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        return file
    }
}

/// Runs a shell command line; its combined output and exit status.
func serverShell(_ command: String) throws -> (String, Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}
