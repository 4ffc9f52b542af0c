import CSystemd
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to systemd over D-Bus in process (sd-bus), the way `systemctl` does, so status,
/// health and monitor cycles spawn no `systemctl` child.
///
/// It connects like systemctl: to the manager's private socket (`/run/systemd/private` as
/// root, `$XDG_RUNTIME_DIR/systemd/private` for a user manager), which needs no dbus-daemon,
/// and else to the system or session bus. One connection per instance, opened on first use
/// and reopened once if the manager closed it (daemon-reexec); sd-bus objects are not
/// thread-safe, so every use holds the mutex, on a Dispatch thread (calls block).
///
/// This is the only file that calls sd-bus.
public final class SystemdBus: ServiceManager {
    public let scope: Scope
    /// Where `XDG_RUNTIME_DIR` and `DBUS_SESSION_BUS_ADDRESS` come from (the process's by default).
    let environment: [String: String]
    private let connection = Mutex<BusConnection?>(nil)

    public init(scope: Scope, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.scope = scope
        self.environment = environment
    }

    static let destination = "org.freedesktop.systemd1"
    static let managerPath = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"

    public func ping() async throws {
        try await withBus { bus in
            _ = try bus.call(bus.methodCall(Self.managerPath, "org.freedesktop.DBus.Peer", "Ping"))
        }
    }

    public func status(of units: [String]) async throws -> [String: UnitStatus] {
        try await properties(UnitStatus.propertyNames, of: units).reduce(into: [:]) { statuses, entry in
            statuses[entry.key] = UnitStatus(name: entry.key, properties: entry.value)
        }
    }

    public func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]] {
        guard !units.isEmpty else { return [:] }
        let wanted = Array(Set(["Id"] + names)).sorted()
        return try await withBus { bus in try bus.properties(wanted, of: Array(Set(units))) }
    }

    public func daemonReload() async throws {
        try await withBus { bus in
            // Reload answers once the manager has re-read everything: allow what systemctl allows.
            _ = try bus.call(bus.methodCall(Self.managerPath, Self.managerInterface, "Reload"), timeout: 300_000_000)
        }
    }

    public func perform(_ verb: UnitVerb, units: [String]) async throws {
        guard !units.isEmpty else { return }
        try await withBus { bus in
            switch verb {
            case .start: try bus.runJobs(verb, method: "StartUnit", units: units)
            case .stop: try bus.runJobs(verb, method: "StopUnit", units: units)
            case .restart: try bus.runJobs(verb, method: "RestartUnit", units: units)
            case .resetFailed:
                let calls = try units.map {
                    try bus.methodCall(Self.managerPath, Self.managerInterface, "ResetFailedUnit", [$0])
                }
                for (unit, reply) in zip(units, try bus.callAll(calls)) {
                    if let error = reply.error { throw error.failing("reset-failed \(unit)") }
                }
            }
        }
    }

    /// Runs `body` with the connection (opening it first), off the cooperative pool, under
    /// the mutex; a connection the manager dropped is reopened and `body` run once more.
    private func withBus<T: Sendable>(_ body: @escaping @Sendable (BusConnection) throws -> T) async throws -> T {
        let outcome: Result<T, any Error> = await blocking { [self] in
            Result {
                try connection.withLock { current in
                    for attempt in 0..<2 {
                        let bus = try current ?? BusConnection.open(scope: scope, environment: environment)
                        current = bus
                        do {
                            try bus.drain()
                            return try body(bus)
                        } catch let error as SystemdBusError where error.isUnreachable {
                            current = nil
                            if attempt == 1 { throw ServiceManagerUnavailable(detail: error.description) }
                        }
                    }
                    throw ServiceManagerUnavailable(detail: "the connection to the service manager was lost")
                }
            }
        }
        return try outcome.get()
    }
}

/// A failed sd-bus call: the D-Bus error name and message when the manager answered one,
/// else the errno sd-bus returned.
public struct SystemdBusError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    /// e.g. `org.freedesktop.systemd1.NoSuchUnit`; nil for a local failure.
    public var name: String?
    public var message: String
    /// A positive errno.
    public var code: Int32

    public var description: String {
        "\(operation): \(message)" + (name.map { " (\($0))" } ?? "")
    }

    /// The connection is gone (closed by the manager, refused, or never authenticated).
    var isUnreachable: Bool {
        name == nil && [ECONNRESET, ENOTCONN, EPIPE, ESHUTDOWN, ECONNREFUSED, ENOENT, EACCES, EPERM].contains(code)
    }

    /// The same failure attributed to what was being done.
    func failing(_ operation: String) -> SystemdBusError {
        var copy = self
        copy.operation = operation
        return copy
    }

    init(operation: String, code: Int32) {
        self.operation = operation
        self.name = nil
        self.code = code
        message = String(cString: strerror(code))
    }

    init(operation: String, error: UnsafePointer<sd_bus_error>, code: Int32) {
        self.operation = operation
        name = error.pointee.name.map { String(cString: $0) }
        message = error.pointee.message.map { String(cString: $0) } ?? String(cString: strerror(code))
        self.code = code
    }
}

/// Maps an sd-bus return code (negative errno) to `SystemdBusError`.
@discardableResult
private func check(_ result: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
    guard result < 0 else { return result }
    throw SystemdBusError(operation: operation(), code: -result)
}

/// An owned `sd_bus_message`.
private final class BusMessage {
    let pointer: OpaquePointer
    init(owning pointer: OpaquePointer) { self.pointer = pointer }
    deinit { sd_bus_message_unref(pointer) }

    /// The error a method-error reply carries; nil for a method return.
    var error: SystemdBusError? {
        guard sd_bus_message_is_method_error(pointer, nil) > 0, let error = sd_bus_message_get_error(pointer) else {
            return nil
        }
        return SystemdBusError(operation: "call", error: error, code: sd_bus_message_get_errno(pointer))
    }

    func readString(_ type: Character = "s") throws -> String {
        var value: UnsafePointer<CChar>?
        try check(sd_bus_message_read_basic(pointer, CChar(type.asciiValue ?? 0), &value), "read \(type)")
        return value.map { String(cString: $0) } ?? ""
    }

    /// The variant a `Properties.Get` reply holds.
    func readVariant() throws -> BusValue {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        try check(sd_bus_message_peek_type(pointer, &type, &contents), "peek variant")
        try check(sd_bus_message_enter_container(pointer, CChar(UInt8(ascii: "v")), contents), "enter variant")
        defer { sd_bus_message_exit_container(pointer) }
        try check(sd_bus_message_peek_type(pointer, &type, &contents), "peek value")
        let signature = contents.map { String(cString: $0) } ?? ""
        switch UInt8(bitPattern: type) {
        case UInt8(ascii: "s"), UInt8(ascii: "o"), UInt8(ascii: "g"):
            return .string(try readString(Character(Unicode.Scalar(UInt8(bitPattern: type)))))
        case UInt8(ascii: "b"): return .bool(try readBasic(type, Int32.self) != 0)
        case UInt8(ascii: "y"): return .unsigned(UInt64(try readBasic(type, UInt8.self)))
        case UInt8(ascii: "n"): return .signed(Int64(try readBasic(type, Int16.self)))
        case UInt8(ascii: "q"): return .unsigned(UInt64(try readBasic(type, UInt16.self)))
        case UInt8(ascii: "i"): return .signed(Int64(try readBasic(type, Int32.self)))
        case UInt8(ascii: "u"): return .unsigned(UInt64(try readBasic(type, UInt32.self)))
        case UInt8(ascii: "x"): return .signed(try readBasic(type, Int64.self))
        case UInt8(ascii: "t"): return .unsigned(try readBasic(type, UInt64.self))
        case UInt8(ascii: "d"): return .double(try readBasic(type, Double.self))
        case UInt8(ascii: "a") where signature == "s":
            try check(sd_bus_message_enter_container(pointer, type, contents), "enter array")
            defer { sd_bus_message_exit_container(pointer) }
            var list: [String] = []
            var value: UnsafePointer<CChar>?
            while try check(sd_bus_message_read_basic(pointer, CChar(UInt8(ascii: "s")), &value), "read s") > 0 {
                list.append(value.map { String(cString: $0) } ?? "")
            }
            return .strings(list)
        default:
            return .unsupported(String(Character(Unicode.Scalar(UInt8(bitPattern: type)))) + signature)
        }
    }

    private func readBasic<T>(_ type: CChar, _: T.Type) throws -> T where T: BinaryInteger {
        var value: T = 0
        try check(sd_bus_message_read_basic(pointer, type, &value), "read basic")
        return value
    }

    private func readBasic(_ type: CChar, _: Double.Type) throws -> Double {
        var value: Double = 0
        try check(sd_bus_message_read_basic(pointer, type, &value), "read double")
        return value
    }
}

/// Replies of pipelined calls, by the cookie of the call they answer (filled by a C callback).
private final class ReplyCollector {
    var replies: [UInt64: BusMessage] = [:]
}

/// `JobRemoved` signals seen while jobs run: job path → (unit, result).
private final class JobCollector {
    var removed: [String: (unit: String, result: String)] = [:]
}

/// An open sd-bus connection to one service manager. Used only under `SystemdBus`'s mutex.
private final class BusConnection {
    let bus: OpaquePointer
    /// Connected through a bus daemon (true) or straight to the manager's private socket.
    let isBusClient: Bool

    private init(bus: OpaquePointer, isBusClient: Bool) {
        self.bus = bus
        self.isBusClient = isBusClient
    }

    deinit { sd_bus_flush_close_unref(bus) }

    /// The private socket first (no dbus-daemon needed), else the bus, as systemctl does.
    static func open(scope: Scope, environment: [String: String]) throws -> BusConnection {
        func unavailable(_ why: String) -> ServiceManagerUnavailable { ServiceManagerUnavailable(detail: why) }
        switch scope {
        case .system:
            var privateFailure = ""
            if geteuid() == 0 {
                do {
                    return try connect("unix:path=/run/systemd/private", busClient: false)
                } catch {
                    // Named in the error below: as root this socket, not dbus, is the usual way in.
                    let message = (error as? SystemdBusError)?.message ?? "\(error)"
                    privateFailure = "PID 1's /run/systemd/private: \(message); "
                }
            }
            var bus: OpaquePointer?
            let result = sd_bus_open_system(&bus)
            guard result >= 0, let bus else {
                throw unavailable(
                    "\(privateFailure)the system bus: \(String(cString: strerror(-result)))")
            }
            return BusConnection(bus: bus, isBusClient: true)
        case .user:
            guard let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty else {
                throw unavailable("XDG_RUNTIME_DIR is not set, so there is no user manager to talk to")
            }
            let privateSocket = "\(runtime)/systemd/private"
            if FileManager.default.fileExists(atPath: privateSocket),
                let direct = try? connect("unix:path=" + busAddressEscape(privateSocket), busClient: false)
            {
                return direct
            }
            // sd_bus_open_user, but from the given environment rather than the process's.
            let address = environment["DBUS_SESSION_BUS_ADDRESS"] ?? "unix:path=" + busAddressEscape("\(runtime)/bus")
            do {
                return try connect(address, busClient: true)
            } catch let error as SystemdBusError {
                throw unavailable(
                    "no user manager at \(privateSocket) and no session bus at \(address): \(error.message)")
            }
        }
    }

    private static func connect(_ address: String, busClient: Bool) throws -> BusConnection {
        var bus: OpaquePointer?
        try check(sd_bus_new(&bus), "sd_bus_new")
        guard let bus else { throw SystemdBusError(operation: "sd_bus_new", code: ENOMEM) }
        let connection = BusConnection(bus: bus, isBusClient: busClient)
        try check(sd_bus_set_address(bus, address), "address \(address)")
        try check(sd_bus_set_bus_client(bus, busClient ? 1 : 0), "bus client")
        try check(sd_bus_start(bus), "connect \(address)")
        return connection
    }

    func methodCall(
        _ path: String, _ interface: String, _ member: String, _ strings: [String] = []
    )
        throws -> BusMessage
    {
        var pointer: OpaquePointer?
        try check(
            sd_bus_message_new_method_call(bus, &pointer, SystemdBus.destination, path, interface, member),
            "\(interface).\(member)")
        guard let pointer else { throw SystemdBusError(operation: member, code: ENOMEM) }
        let message = BusMessage(owning: pointer)
        for string in strings {
            try check(sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "s")), string), "append")
        }
        return message
    }

    /// One call, waiting for its reply (a method error throws).
    func call(_ message: BusMessage, timeout: UInt64 = 0) throws -> BusMessage {
        var error = sd_bus_error(name: nil, message: nil, _need_free: 0)
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let result = sd_bus_call(bus, message.pointer, timeout, &error, &reply)
        if result < 0 {
            if error.name != nil { throw SystemdBusError(operation: "call", error: &error, code: -result) }
            throw SystemdBusError(operation: "call", code: -result)
        }
        guard let reply else { throw SystemdBusError(operation: "call", code: EIO) }
        return BusMessage(owning: reply)
    }

    /// Sends every call before waiting for any reply (one round trip for all), then returns
    /// the replies in order; a method error is a reply whose `error` is set.
    func callAll(_ messages: [BusMessage]) throws -> [BusMessage] {
        let collector = ReplyCollector()
        var slots: [OpaquePointer?] = []
        // Unreferencing a slot cancels its call: no callback reaches the collector after this.
        defer { for slot in slots { sd_bus_slot_unref(slot) } }
        var cookies: [UInt64] = []
        let context = Unmanaged.passUnretained(collector).toOpaque()
        for message in messages {
            var slot: OpaquePointer?
            try check(
                sd_bus_call_async(
                    bus, &slot, message.pointer,
                    { reply, userdata, _ in
                        guard let reply, let userdata else { return 0 }
                        var cookie: UInt64 = 0
                        guard sd_bus_message_get_reply_cookie(reply, &cookie) >= 0,
                            let owned = sd_bus_message_ref(reply)
                        else { return 0 }
                        let collector = Unmanaged<ReplyCollector>.fromOpaque(userdata).takeUnretainedValue()
                        collector.replies[cookie] = BusMessage(owning: owned)
                        return 0
                    }, context, 0), "send")
            slots.append(slot)
            var cookie: UInt64 = 0
            try check(sd_bus_message_get_cookie(message.pointer, &cookie), "cookie")
            cookies.append(cookie)
        }
        try wait { collector.replies.count >= cookies.count }
        return try cookies.map { cookie in
            guard let reply = collector.replies[cookie] else { throw SystemdBusError(operation: "reply", code: EIO) }
            return reply
        }
    }

    /// Drops the signals that arrived since the last use. The manager sends every unit's
    /// changes to each private connection unasked, and nothing reads them between uses: in
    /// a monitor they would pile up in sd-bus's read queue without this.
    func drain() throws {
        while true {
            let processed = sd_bus_process(bus, nil)
            if processed < 0 { throw SystemdBusError(operation: "process", code: -processed) }
            if processed == 0 { return }
        }
    }

    /// Dispatches incoming messages until `done` holds.
    func wait(until done: () -> Bool) throws {
        while !done() {
            let processed = sd_bus_process(bus, nil)
            if processed < 0 { throw SystemdBusError(operation: "process", code: -processed) }
            if processed > 0 { continue }
            let waited = sd_bus_wait(bus, UInt64.max)
            if waited < 0 && waited != -EINTR { throw SystemdBusError(operation: "wait", code: -waited) }
        }
    }

    /// `/org/freedesktop/systemd1/unit/<escaped name>`: resolves units not loaded yet, like `systemctl show`.
    func unitPath(_ unit: String) throws -> String {
        var path: UnsafeMutablePointer<CChar>?
        try check(sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path), "path of \(unit)")
        defer { free(path) }
        return path.map { String(cString: $0) } ?? ""
    }

    /// Every property of every unit in one pipelined round (two when some property was
    /// not on the interface tried first).
    func properties(_ names: [String], of units: [String]) throws -> [String: [String: String]] {
        var pending: [(unit: String, path: String, property: String, interfaces: [String])] = []
        for unit in units {
            let path = try unitPath(unit)
            for name in names { pending.append((unit, path, name, UnitInterfaces.candidates(name, of: unit))) }
        }
        var result: [String: [String: String]] = Dictionary(uniqueKeysWithValues: units.map { ($0, [:]) })
        while !pending.isEmpty {
            let calls = try pending.map {
                try methodCall($0.path, "org.freedesktop.DBus.Properties", "Get", [$0.interfaces[0], $0.property])
            }
            var retry: [(unit: String, path: String, property: String, interfaces: [String])] = []
            for (ask, reply) in zip(pending, try callAll(calls)) {
                if let error = reply.error {
                    let missing = [
                        "org.freedesktop.DBus.Error.UnknownProperty", "org.freedesktop.DBus.Error.UnknownInterface",
                    ]
                    guard let name = error.name, missing.contains(name) else {
                        throw error.failing("properties of \(ask.unit)")
                    }
                    if ask.interfaces.count > 1 {
                        retry.append((ask.unit, ask.path, ask.property, Array(ask.interfaces.dropFirst())))
                    }
                    continue
                }
                result[ask.unit, default: [:]][ask.property] = try reply.readVariant().shown(as: ask.property)
            }
            pending = retry
        }
        return result
    }

    /// Queues one job per unit (mode "replace") and waits until each is removed, like
    /// systemctl: `JobRemoved` is subscribed to before the first call, so no removal is missed.
    func runJobs(_ verb: UnitVerb, method: String, units: [String]) throws {
        let jobs = JobCollector()
        var slot: OpaquePointer?
        // A direct connection carries no sender field, so only a bus client may match on it.
        let match =
            (isBusClient ? "sender='\(SystemdBus.destination)'," : "")
            + "type='signal',path='\(SystemdBus.managerPath)',interface='\(SystemdBus.managerInterface)',"
            + "member='JobRemoved'"
        try check(
            sd_bus_add_match(
                bus, &slot, match,
                { signal, userdata, _ in
                    guard let signal, let userdata else { return 0 }
                    var id: UInt32 = 0
                    var job: UnsafePointer<CChar>?
                    var unit: UnsafePointer<CChar>?
                    var result: UnsafePointer<CChar>?
                    guard sd_bus_message_read_basic(signal, CChar(UInt8(ascii: "u")), &id) >= 0,
                        sd_bus_message_read_basic(signal, CChar(UInt8(ascii: "o")), &job) >= 0,
                        sd_bus_message_read_basic(signal, CChar(UInt8(ascii: "s")), &unit) >= 0,
                        sd_bus_message_read_basic(signal, CChar(UInt8(ascii: "s")), &result) >= 0,
                        let job, let unit, let result
                    else { return 0 }
                    let jobs = Unmanaged<JobCollector>.fromOpaque(userdata).takeUnretainedValue()
                    jobs.removed[String(cString: job)] = (String(cString: unit), String(cString: result))
                    return 0
                }, Unmanaged.passUnretained(jobs).toOpaque()), "subscribe to JobRemoved")
        defer { sd_bus_slot_unref(slot) }
        let calls = try units.map {
            try methodCall(SystemdBus.managerPath, SystemdBus.managerInterface, method, [$0, "replace"])
        }
        var queued: [(unit: String, job: String)] = []
        for (unit, reply) in zip(units, try callAll(calls)) {
            if let error = reply.error { throw error.failing("\(verb.rawValue) \(unit)") }
            queued.append((unit, try reply.readString("o")))
        }
        try wait { queued.allSatisfy { jobs.removed[$0.job] != nil } }
        for (unit, job) in queued {
            let result = jobs.removed[job]?.result ?? "done"
            guard result != "done", result != "skipped" else { continue }
            // systemctl explains a failed job with the unit's own Result.
            let unitResult = result == "failed" ? (try? properties(["Result"], of: [unit]))?[unit]?["Result"] : nil
            throw UnitJobFailed(verb: verb, unit: unit, result: result, unitResult: unitResult)
        }
    }
}
