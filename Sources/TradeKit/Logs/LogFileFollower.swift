import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a follower stands in one log file: which file (device, inode) and how far it read,
/// plus a fingerprint of the file's first bytes, so a file truncated by logrotate's
/// `copytruncate` and written past the old offset again before the next read is still noticed.
public struct LogFilePosition: Sendable, Codable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var offset: UInt64
    /// FNV-1a of the first `headLength` bytes (at most `LogFileFollower.headBytes`).
    public var head: UInt64
    public var headLength: Int

    public init(device: UInt64, inode: UInt64, offset: UInt64, head: UInt64, headLength: Int) {
        self.device = device
        self.inode = inode
        self.offset = offset
        self.head = head
        self.headLength = headLength
    }
}

/// A component's log files: a glob on the host (with `--root` applied) and how to read its lines.
public struct LogFileSource: Sendable, Equatable {
    public var component: String
    /// The component's service unit: file lines are journal events of that unit.
    public var unit: String
    public var format: LineFormat
    /// The glob as configured, relative to `shared/` (labels).
    public var glob: String
    /// The absolute glob on the host.
    public var pattern: String

    public init(component: String, unit: String, format: LineFormat, glob: String, pattern: String) {
        self.component = component
        self.unit = unit
        self.format = format
        self.glob = glob
        self.pattern = pattern
    }

    /// One source per `log_files` glob of every component.
    public static func all(_ deployment: Deployment, hostPath: (String) -> String) -> [LogFileSource] {
        deployment.components.flatMap { component in
            component.logFiles.map { glob in
                LogFileSource(
                    component: component.name, unit: UnitNames.service(deployment.project.name, component.name),
                    format: component.logFormat, glob: glob,
                    pattern: hostPath("\(deployment.project.root)/shared/\(glob)"))
            }
        }
    }
}

/// One complete line read from a log file.
public struct LogFileLine: Sendable, Equatable {
    public var source: LogFileSource
    /// The file it was read from (the rotated name when drained after a rotation).
    public var path: String
    public var text: String
}

/// Follows the components' log files between monitor cycles, rotation-aware.
///
/// Each `poll` reads the complete lines appended to every file matching the globs since the
/// previous one. A rotation is noticed by the file under the name being another inode (rename
/// and create, as Python's RotatingFileHandler does) or shorter than the offset or with other
/// first bytes (logrotate `copytruncate`); the rest of the old file is read first — from the
/// file still holding that inode, or from the copy whose first bytes match — then the new one
/// from its start, so a rotation loses no line that reached the old file before it was copied.
/// (What a writer adds between logrotate's copy and its truncate is lost by copytruncate
/// itself.) Rotated names (`.1`, `.gz`, `-20261207`) are never followed as files of their own.
///
/// At most `maxLines` lines and `maxBytes` bytes per file per poll: the rest comes next poll.
public struct LogFileFollower: Sendable {
    public var sources: [LogFileSource]
    /// Per file path on the host.
    public private(set) var positions: [String: LogFilePosition]
    /// False until the first poll of a follower that has no saved positions at all: files
    /// found then are read from their end (no old news), files appearing later from the start.
    public private(set) var primed: Bool
    public var maxLines = 10_000
    public var maxBytes = 8 << 20
    static let headBytes = 256

    /// `positions`: what a previous monitor saved (`MonitorState.logFiles`); nil when none ever.
    public init(sources: [LogFileSource], positions: [String: LogFilePosition]?) {
        self.sources = sources
        self.positions = positions ?? [:]
        primed = positions != nil
    }

    /// Reads what is new in every file, as journal events of the component's unit: priority from
    /// its `log_format`, time from the line when it states one (else `now`). `pid` names the file,
    /// so traceback grouping never mixes a file's lines with the unit's stdout.
    public mutating func poll(now: Date) -> [JournalEvent] {
        readLines().map { line in
            JournalEvent(
                unit: line.source.unit, priority: line.source.format.priority(of: line.text, recorded: nil),
                message: line.text, at: LogLineTime.parse(line.text) ?? now, pid: "file:\(line.source.glob)")
        }
    }

    /// The new complete lines of every file, file by file, each file's in order.
    public mutating func readLines() -> [LogFileLine] {
        var lines: [LogFileLine] = []
        var seen: Set<String> = []
        for source in sources {
            for path in Self.expand(source.pattern) where seen.insert(path).inserted {
                lines += follow(path, source: source)
            }
        }
        // Files gone with nothing left to drain are forgotten; one renamed away is drained first.
        for path in positions.keys.sorted() where !seen.contains(path) {
            guard let source = sources.first(where: { Self.matches($0.pattern, path) }) else {
                positions[path] = nil
                continue
            }
            lines += follow(path, source: source)
        }
        primed = true
        return lines
    }

    private mutating func follow(_ path: String, source: LogFileSource) -> [LogFileLine] {
        var budget = Budget(lines: maxLines, bytes: maxBytes)
        var lines: [LogFileLine] = []
        let current = OpenFile(path)
        if var saved = positions[path] {
            let rotated: Bool
            var from: OpenFile?
            if let current, current.device == saved.device && current.inode == saved.inode {
                // Same file: truncated in place (copytruncate) when shorter or its head changed.
                rotated = current.size < saved.offset || !current.hasHead(saved)
                if rotated { from = Self.sibling(of: path) { $0.size >= saved.offset && $0.hasHead(saved) } }
            } else {
                rotated = true
                from = Self.sibling(of: path) { $0.device == saved.device && $0.inode == saved.inode }
            }
            if rotated {
                if let from {
                    let (read, end, complete) = from.lines(from: saved.offset, budget: &budget, final: true)
                    lines += read.map { LogFileLine(source: source, path: from.path, text: $0) }
                    if !complete {
                        // Budget spent on the old file: go on with it next poll.
                        saved.offset = end
                        positions[path] = saved
                        return lines
                    }
                }
                positions[path] = nil
            }
        }
        guard let current else {
            positions[path] = nil
            return lines
        }
        let start = positions[path]?.offset ?? (primed ? 0 : current.size)
        let (read, end, _) = current.lines(from: start, budget: &budget, final: false)
        lines += read.map { LogFileLine(source: source, path: path, text: $0) }
        let (head, headLength) = current.head()
        positions[path] = LogFilePosition(
            device: current.device, inode: current.inode, offset: end, head: head, headLength: headLength)
        return lines
    }

    struct Budget {
        var lines: Int
        var bytes: Int
    }

    // MARK: files

    /// Paths matching an absolute glob, sorted, without rotated names.
    static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            if !isRotatedName(path) { paths.append(path) }
        }
        return paths.sorted()
    }

    static func matches(_ pattern: String, _ path: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME) == 0
    }

    /// `x.log.1`, `x.log.2.gz`, `x.log-20261207`: names logrotate or RotatingFileHandler give.
    static func isRotatedName(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        if name.wholeMatch(of: /.+\.(gz|xz|bz2|zst|lz4|Z)/) != nil { return true }
        if name.wholeMatch(of: /.+\.[0-9]+/) != nil { return true }
        return name.wholeMatch(of: /.+-[0-9]{8,10}/) != nil
    }

    /// Rotated siblings of `path` (`path.1` first, then newest first) that satisfy `accept`.
    static func sibling(of path: String, where accept: (OpenFile) -> Bool) -> OpenFile? {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            ($0.hasPrefix(base + ".") || $0.hasPrefix(base + "-"))
                && $0.wholeMatch(of: /.+\.(gz|xz|bz2|zst|lz4|Z)/) == nil
        }
        let candidates = names.compactMap { OpenFile("\(directory)/\($0)") }.sorted { lhs, rhs in
            if lhs.path.hasSuffix(".1") != rhs.path.hasSuffix(".1") { return lhs.path.hasSuffix(".1") }
            return lhs.modified > rhs.modified
        }
        return candidates.first(where: accept)
    }
}

/// An open log file: its identity from fstat(2) of the descriptor read from, so a rename between
/// looking and reading cannot mix two files.
final class OpenFile {
    let path: String
    let descriptor: Int32
    let device: UInt64
    let inode: UInt64
    let size: UInt64
    let modified: Double

    init?(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return nil
        }
        self.path = path
        self.descriptor = descriptor
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = UInt64(status.st_size)
        modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
    }

    deinit { close(descriptor) }

    /// Up to `length` bytes at `offset` (pread, retried on EINTR).
    func read(at offset: UInt64, length: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: length)
        var filled = 0
        while filled < length {
            let count = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, length - filled, off_t(offset) + off_t(filled))
            }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            filled += count
        }
        buffer.removeSubrange(filled...)
        return buffer
    }

    /// FNV-1a of the first bytes, and how many.
    func head() -> (UInt64, Int) {
        let bytes = read(at: 0, length: Int(min(size, UInt64(LogFileFollower.headBytes))))
        return (Self.fnv(bytes), bytes.count)
    }

    /// Whether this file starts with the bytes `position` fingerprinted.
    func hasHead(_ position: LogFilePosition) -> Bool {
        guard size >= UInt64(position.headLength) else { return false }
        return Self.fnv(read(at: 0, length: position.headLength)) == position.head
    }

    static func fnv(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Complete lines from `offset` within the budget, the offset after the last one, and
    /// whether the end of the file was reached. `final`: the file gets no more writes (a rotated
    /// one), so a last line without its newline counts too.
    func lines(
        from offset: UInt64, budget: inout LogFileFollower.Budget, final: Bool
    ) -> (
        [String], UInt64, Bool
    ) {
        var lines: [String] = []
        var position = offset
        var pending: [UInt8] = []
        var readTo = offset
        let chunk = 1 << 16
        var full = false
        while readTo < size, !full, budget.lines > 0, budget.bytes > 0 {
            let bytes = read(at: readTo, length: min(chunk, Int(size - readTo)))
            if bytes.isEmpty { break }
            readTo += UInt64(bytes.count)
            pending += bytes
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - start + 1
                guard budget.lines > 0, budget.bytes >= length || lines.isEmpty else {
                    full = true
                    break
                }
                lines.append(Self.text(pending[start..<newline]))
                budget.lines -= 1
                budget.bytes -= length
                position += UInt64(length)
                start = newline + 1
            }
            pending.removeSubrange(0..<start)
            if !full, pending.count >= Self.longestLine {
                // No newline in a megabyte: not a log line to wait for; cut it here.
                lines.append(Self.text(pending[...]))
                budget.lines -= 1
                budget.bytes -= pending.count
                position += UInt64(pending.count)
                pending.removeAll()
            }
            if budget.lines <= 0 || budget.bytes <= 0 { break }
        }
        if final, !full, readTo >= size, !pending.isEmpty, budget.lines > 0 {
            lines.append(Self.text(pending[...]))
            budget.lines -= 1
            position += UInt64(pending.count)
        }
        return (lines, position, position >= size)
    }

    static let longestLine = 1 << 20

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        var slice = bytes
        if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}
