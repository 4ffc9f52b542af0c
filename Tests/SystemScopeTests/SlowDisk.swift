import Foundation

/// A loop-mounted ext4 filesystem on the host, bound into the container as `backup.dir`,
/// whose writes can be throttled for chosen processes with the cgroup v1 blkio controller
/// (`blkio.throttle.write_bps_device`). On these machines device-mapper is absent
/// (`/dev/mapper/control`: no such device, no `dm-delay` module) and the cgroup v2
/// hierarchy has no `io` controller, so this is the real slow disk available: the kernel
/// delays every write bio the throttled process submits to the loop device — fsync
/// included, which the backup writer does before it renames an archive.
final class SlowDisk: @unchecked Sendable {
    let image: String
    let mountPoint: String
    private(set) var device = ""
    /// The blkio cgroup whose members' writes are throttled.
    let cgroup: String

    init(cacheDir: String, name: String) {
        image = "\(cacheDir)/\(name).img"
        mountPoint = "\(cacheDir)/\(name).mnt"
        cgroup = "/sys/fs/cgroup/blkio/\(name)"
    }

    static var available: Bool {
        FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device")
            && FileManager.default.fileExists(atPath: "/dev/loop-control") && getuid() == 0
    }

    private func sh(_ script: String) throws -> RunResult {
        let result = try runHost("/bin/sh", ["-c", script])
        guard result.status == 0 else { throw SuiteError("\(script): \(result.output)") }
        return result
    }

    /// A 64 MiB image, attached, formatted and mounted; the throttling cgroup created (idle).
    func create() throws {
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        _ = try sh("rm -f '\(image)' && truncate -s 64M '\(image)'")
        device = try sh("losetup --find --show '\(image)'").trimmed
        guard device.hasPrefix("/dev/loop") else { throw SuiteError("losetup printed \(device)") }
        // lost+found removed: the backup directory holds archives and nothing else.
        _ = try sh(
            "mkfs.ext4 -q -F '\(device)' && mount '\(device)' '\(mountPoint)' && rmdir '\(mountPoint)/lost+found'")
        try FileManager.default.createDirectory(atPath: cgroup, withIntermediateDirectories: true)
    }

    /// `major:minor` of the loop device.
    var deviceNumbers: String {
        get throws {
            try sh("stat -c '%t:%T' '\(device)'").trimmed.split(separator: ":").map { String(Int($0, radix: 16) ?? 0) }
                .joined(separator: ":")
        }
    }

    /// Every write bio of the cgroup's processes to the device limited to `bytesPerSecond`.
    func throttle(bytesPerSecond: Int) throws {
        _ = try sh("echo '\(try deviceNumbers) \(bytesPerSecond)' > '\(cgroup)/blkio.throttle.write_bps_device'")
    }

    func unthrottle() throws {
        _ = try sh("echo '\(try deviceNumbers) 0' > '\(cgroup)/blkio.throttle.write_bps_device'")
    }

    /// A host command line that runs `arguments` inside the throttled cgroup: the shell
    /// moves itself in, then execs (children inherit the cgroup; nsenter keeps it).
    func wrapped(_ arguments: [String]) -> [String] {
        ["-c", "echo $$ > '\(cgroup)/cgroup.procs' && exec \"$@\"", "throttled"] + arguments
    }

    /// Unmounts, detaches and removes only what `create` made.
    func destroy() {
        _ = try? runHost("/bin/sh", ["-c", "umount '\(mountPoint)' 2>/dev/null; true"])
        // Every loop device on our image, this run's or one an interrupted run left attached.
        let attached = (try? runHost("/sbin/losetup", ["-n", "-O", "NAME", "-j", image]))?.stdout ?? ""
        for name in Set(attached.split(separator: "\n").map(String.init) + [device]) where name.hasPrefix("/dev/loop") {
            _ = try? runHost("/sbin/losetup", ["-d", name])
        }
        try? FileManager.default.removeItem(atPath: image)
        try? FileManager.default.removeItem(atPath: mountPoint)
        // rmdir of a cgroup succeeds only once it is empty: the throttled runs have ended.
        _ = try? runHost("/bin/rmdir", [cgroup])
    }
}
