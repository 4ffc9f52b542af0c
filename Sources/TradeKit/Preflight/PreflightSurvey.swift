import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Gathers `PreflightFacts` from the host: runs interpreters' and systemctl's `--version` and
/// `timedatectl`, reads /proc/meminfo, statvfs, env files, tries to bind ports and connects to
/// TCP dependencies. Reads only: a bind is closed at once, nothing is written.
public struct PreflightSurvey: Sendable {
    public var deployment: Deployment
    public var layout: DeployLayout
    public var fileSystem: FileSystem
    public var launcher: ProcessLauncher
    /// `--root`: only what the target's files say (env files, time zones); nothing of this host.
    public var offline: Bool
    /// The project's service manager, to tell whether a port in use is held by its own units.
    public var services: ServiceManager?

    public init(
        deployment: Deployment, layout: DeployLayout, fileSystem: FileSystem, launcher: ProcessLauncher,
        offline: Bool, services: ServiceManager?
    ) {
        self.deployment = deployment
        self.layout = layout
        self.fileSystem = fileSystem
        self.launcher = launcher
        self.offline = offline
        self.services = services
    }

    public func gather() async -> PreflightFacts {
        var facts = PreflightFacts(offline: offline)
        facts.envFiles = envFiles()
        facts.hostTimeZone = hostTimeZone()
        guard !offline else { return facts }
        facts.interpreters = await interpreters()
        (facts.memoryAvailableMiB, facts.memoryDetail) = memory()
        facts.disks = [("root", layout.root), ("state", layout.stateDir), ("backups", layout.backupDir)].map {
            PreflightFacts.Disk(label: $0.0, path: $0.1, freeMiB: Self.freeMiB(fileSystem.hostPath($0.1)))
        }
        facts.ports = await ports()
        facts.tcp = await dependencies()
        (facts.clockSynchronized, facts.clockDetail) = await clock()
        (facts.systemdVersion, facts.systemdDetail) = await systemdVersion()
        return facts
    }

    /// The program `interpreters.KEY` is checked with: the component's own `exec` program when its
    /// name starts with KEY (`/opt/venv/bin/python3` for `python`), else KEY found on PATH.
    public static func interpreterCommand(_ key: String, exec: String) -> String {
        let program = exec.split(separator: " ").first.map(String.init) ?? ""
        let name = (program as NSString).lastPathComponent
        return program.hasPrefix("/") && name.hasPrefix(key) ? program : key
    }

    func interpreters() async -> [PreflightFacts.Interpreter] {
        var facts: [PreflightFacts.Interpreter] = []
        for component in deployment.components {
            for (key, constraint) in component.preflight.interpreters {
                let command = Self.interpreterCommand(key, exec: component.exec)
                var fact = PreflightFacts.Interpreter(
                    component: component.name, command: command, constraint: constraint)
                do {
                    let run = try await launcher.run(Command(command, ["--version"]))
                    if run.succeeded { fact.output = run.output + run.errorOutput } else { fact.failure = run.tail(2) }
                } catch {
                    fact.failure = "\(error)"
                }
                facts.append(fact)
            }
        }
        return facts
    }

    func memory() -> (Int?, String?) {
        guard let values = MemoryCheck.read() else { return (nil, "cannot read /proc/meminfo") }
        guard let available = values["MemAvailable"] else { return (nil, "no MemAvailable in /proc/meminfo") }
        return (Int(available / 1_048_576), nil)
    }

    /// Free space for unprivileged users on the filesystem holding `path` (or its nearest existing parent).
    static func freeMiB(_ path: String) -> Int? {
        guard let (stats, _) = DiskCheck.filesystem(of: path) else { return nil }
        return Int(Double(stats.f_bavail) * Double(stats.f_frsize) / 1_048_576)
    }

    func envFiles() -> [EnvRequirement] {
        deployment.components.compactMap { component in
            let required = component.preflight.requiredEnv
            guard !required.isEmpty else { return nil }
            guard let envFile = component.envFile else {
                return EnvRequirement(
                    component: component.name, file: "(no env_file)", exists: false, missing: required, empty: [])
            }
            // A first deploy seeds shared/<env_file> from the release source: judge that copy then.
            let text =
                fileSystem.read(layout.shared(envFile))
                ?? FileManager.default.contents(atPath: "\(deployment.releases.source)/\(envFile)")
            guard let text else {
                return EnvRequirement(
                    component: component.name, file: "shared/\(envFile)", exists: false, missing: required, empty: [])
            }
            let (missing, empty) = EnvRequirement.judge(String(decoding: text, as: UTF8.self), required: required)
            return EnvRequirement(
                component: component.name, file: "shared/\(envFile)", exists: true, missing: missing, empty: empty)
        }
    }

    /// Declared ports, and the port of a `probes.http` on this host (the component's own health
    /// endpoint). Not `probes.tcp`: it often names something the component connects to (a
    /// broker gateway), which is meant to be in use.
    static func ports(of component: Component) -> [Int] {
        var ports = component.preflight.ports
        let local = ["127.0.0.1", "localhost", "::1", "0.0.0.0"]
        if let http = component.probes.http, let url = URL(string: http), let host = url.host,
            local.contains(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        {
            ports.append(url.port ?? (url.scheme == "https" ? 443 : 80))
        }
        var seen: Set<Int> = []
        return ports.filter { seen.insert($0).inserted }
    }

    func ports() async -> [PreflightFacts.Port] {
        let project = deployment.project.name
        let serviceUnits = deployment.components.filter { $0.kind == .service }.map {
            UnitNames.service(project, $0.name)
        }
        let statuses = try? await services?.status(of: serviceUnits)
        let active = statuses.map { found in serviceUnits.filter { found[$0]?.activeState == "active" } }
        return deployment.components.flatMap { component in
            Self.ports(of: component).map {
                PreflightFacts.Port(
                    component: component.name, port: $0, inUse: Self.inUse(port: $0), projectUnitsActive: active)
            }
        }
    }

    /// Whether a TCP listener holds `port` (bind on the IPv4 wildcard fails with EADDRINUSE).
    static func inUse(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: 0)  // INADDR_ANY
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound != 0 && errno == EADDRINUSE
    }

    func dependencies() async -> [PreflightFacts.TCPDependency] {
        var wanted: [(String?, String)] = deployment.preflight.dependsOnTCP.map { (nil, $0) }
        for component in deployment.components {
            wanted += component.preflight.dependsOnTCP.map { (component.name, $0) }
        }
        let timeout = Duration.milliseconds(deployment.preflight.connectTimeout.milliseconds)
        return await withTaskGroup(of: (Int, PreflightFacts.TCPDependency).self) { group in
            for (index, (component, text)) in wanted.enumerated() {
                group.addTask {
                    guard let endpoint = TCPEndpoint(parsing: text) else {
                        return (
                            index,
                            .init(component: component, endpoint: text, reachable: false, detail: "not host:port")
                        )
                    }
                    let outcome = TCPConnect.attempt(host: endpoint.host, port: UInt16(endpoint.port), timeout: timeout)
                    return (
                        index,
                        .init(
                            component: component, endpoint: text, reachable: outcome.passed, detail: outcome.detail)
                    )
                }
            }
            var found: [(Int, PreflightFacts.TCPDependency)] = []
            for await item in group { found.append(item) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// timedatectl asks systemd-timedated over D-Bus. Where timedated is missing or slow to be
    /// activated, the call used to wait out D-Bus's 25 s default before every deploy; a running
    /// timedated answers in milliseconds, so past this the answer is "cannot tell" (a warning).
    static let clockAnswerTimeout = Duration.seconds(5)

    func clock() async -> (Bool?, String?) {
        let launcher = self.launcher
        do {
            let run = try await withDeadline(Self.clockAnswerTimeout) {
                try await launcher.run(Command("timedatectl", ["show", "--property=NTPSynchronized", "--value"]))
            }
            let answer = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard run.succeeded, answer == "yes" || answer == "no" else {
                return (nil, "timedatectl: " + (run.tail(1).isEmpty ? "no answer" : run.tail(1)))
            }
            return (answer == "yes", nil)
        } catch is DeadlineExceeded {
            return (nil, "timedatectl: no answer within \(Int(Self.clockAnswerTimeout.timeInterval)) s")
        } catch {
            return (nil, "timedatectl: \(error)")
        }
    }

    func systemdVersion() async -> (Int?, String?) {
        do {
            let run = try await launcher.run(Command("systemctl", ["--version"]))
            // "systemd 252 (252.39-1~deb12u1)"
            let first = run.output.split(separator: "\n").first.map(String.init) ?? ""
            let words = first.split(separator: " ")
            guard run.succeeded, words.count >= 2, words[0] == "systemd", let version = Int(words[1]) else {
                return (nil, "systemctl --version said \"\(first)\"")
            }
            return (version, nil)
        } catch {
            return (nil, "systemctl: \(error)")
        }
    }

    /// The zone /etc/localtime links to (under `--root` too), else /etc/timezone, else this process's.
    func hostTimeZone() -> String? {
        if let target = fileSystem.info("/etc/localtime")?.linkTarget, let range = target.range(of: "zoneinfo/") {
            return String(target[range.upperBound...])
        }
        if let text = fileSystem.read("/etc/timezone") {
            let zone = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !zone.isEmpty { return zone }
        }
        return offline ? nil : TimeZone.current.identifier
    }
}
