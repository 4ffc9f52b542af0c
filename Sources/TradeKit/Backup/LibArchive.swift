import CArchive
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A libarchive call that failed, with libarchive's own message.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var message: String
    public var description: String { "\(call): \(message)" }
}

/// Writing an extracted entry to disk failed (a full disk, an I/O error): the archive is not
/// at fault, so this is never reported as a refusal of it.
public struct ArchiveDiskWriteFailed: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var message: String
    public var description: String { "writing the extracted file failed (\(call)): \(message)" }
}

public enum ArchiveCompression: String, Sendable, Codable, CaseIterable {
    case gzip, zstd
    public var fileExtension: String { self == .gzip ? "tar.gz" : "tar.zst" }
}

/// The only file that imports libarchive. Each class owns its `struct archive *` and frees it in `deinit`.
///
/// Writes pax-restricted tar through libarchive's gzip filter, or through `ZstdStream`, into
/// a file descriptor the caller owns (so it can fsync and rename), streaming: memory does not
/// grow with data.
public final class ArchiveWriter {
    private var handle: OpaquePointer?
    private var closed = false

    private let sink: ArchiveSink

    public init(output: ArchiveOutput, compression: ArchiveCompression, threads: Int) throws {
        var zstd: ZstdStream?
        if compression == .zstd { zstd = try ZstdStream(output: output, level: 3, workers: threads) }
        sink = ArchiveSink(output: output, zstd: zstd)
        handle = archive_write_new()
        try check(archive_write_set_format_pax_restricted(handle), "archive_write_set_format_pax_restricted")
        switch compression {
        case .gzip:
            try check(archive_write_add_filter_gzip(handle), "archive_write_add_filter_gzip")
            // Level 1: archives of SQLite pages compress almost as well, at a fraction of the time.
            try check(archive_write_set_filter_option(handle, "gzip", "compression-level", "1"), "gzip level")
        case .zstd:
            // Level 3 with threads = nproc, in `sink.zstd`: libarchive writes plain tar into it.
            try check(archive_write_add_filter_none(handle), "archive_write_add_filter_none")
        }
        try check(archive_write_set_bytes_per_block(handle, 64 * 1024), "archive_write_set_bytes_per_block")
        // No padding of the compressed stream to a whole block (tar pads inside the compressor).
        try check(archive_write_set_bytes_in_last_block(handle, 1), "archive_write_set_bytes_in_last_block")
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try check(archive_write_open2(handle, context, nil, archiveOutputWrite, nil, nil), "archive_write_open2")
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    /// Adds a regular file whose bytes come from `read`, which fills the buffer and returns the count (0 at end).
    public func addFile(
        path: String, size: Int, mode: UInt32, modified: Date,
        read: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws {
        let entry = archive_entry_new()
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
        archive_entry_set_perm(entry, mode_t(mode & 0o7777))
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_mtime(entry, time_t(modified.timeIntervalSince1970), 0)
        try check(archive_write_header(handle, entry), "archive_write_header(\(path))")
        // 256 KiB: four zstd input blocks per read; more only adds to the peak RSS.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var written = 0
        while written < size {
            let count = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, size - written)]))
            guard count > 0 else {
                throw ArchiveError(
                    call: "read \(path)", message: "file shrank while it was archived (\(written) of \(size) bytes)")
            }
            let result = archive_write_data(handle, buffer.baseAddress, count)
            if result < 0 { throw ArchiveError(call: "archive_write_data(\(path))", message: lastError) }
            written += count
        }
        try check(archive_write_finish_entry(handle), "archive_write_finish_entry(\(path))")
    }

    /// Flushes the compressor and the last block; its result says whether the archive is whole.
    public func close() throws {
        closed = true
        try check(archive_write_close(handle), "archive_write_close")
        try sink.zstd?.finish()
    }

    private var lastError: String { archive_error_string(handle).map { String(cString: $0) } ?? "unknown error" }

    private func check(_ result: Int32, _ call: String) throws {
        if result < ARCHIVE_WARN { throw ArchiveError(call: call, message: lastError) }
    }
}

/// What libarchive's write callback writes to: the output file, through zstd when it compresses.
final class ArchiveSink {
    let output: ArchiveOutput
    let zstd: ZstdStream?

    init(output: ArchiveOutput, zstd: ZstdStream?) {
        self.output = output
        self.zstd = zstd
    }
}

/// libarchive's write callback: forwards to the `ArchiveSink` passed as client data.
private func archiveOutputWrite(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int
) -> la_ssize_t {
    guard let context, let buffer else { return -1 }
    let sink = Unmanaged<ArchiveSink>.fromOpaque(context).takeUnretainedValue()
    let data = UnsafeRawBufferPointer(start: buffer, count: length)
    let written = sink.zstd?.write(data) ?? sink.output.write(data)
    if written < 0 {
        let failure = sink.output.failure
        let message = sink.zstd?.failure.map { "zstd: \($0)" } ?? "write failed: \(String(cString: strerror(failure)))"
        tradectl_archive_set_error(archive, failure != 0 ? failure : -1, message)
    }
    return la_ssize_t(written)
}

/// What one archive entry claims to be, read from its header.
public struct ArchiveEntryHeader: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case file, directory, symlink, hardlink, device, fifo, socket, other }
    public var path: String
    public var kind: Kind
    public var size: Int
    public var mode: UInt32
    public var linkTarget: String?
}

/// Reads any tar (gzip/zstd/none) entry by entry; data is streamed in blocks.
public final class ArchiveReader {
    private var handle: OpaquePointer?
    private var current: OpaquePointer?

    public init(path: String) throws {
        handle = archive_read_new()
        archive_read_support_filter_gzip(handle)
        archive_read_support_filter_zstd(handle)
        archive_read_support_filter_none(handle)
        archive_read_support_format_tar(handle)
        let result = archive_read_open_filename(handle, path, 1 << 20)
        if result != ARCHIVE_OK { throw ArchiveError(call: "open \(path)", message: lastError) }
    }

    deinit { archive_read_free(handle) }

    /// The next entry's header, or nil at the end of the archive.
    public func next() throws -> ArchiveEntryHeader? {
        var entry: OpaquePointer?
        let result = archive_read_next_header(handle, &entry)
        if result == ARCHIVE_EOF { return nil }
        if result < ARCHIVE_WARN { throw ArchiveError(call: "archive_read_next_header", message: lastError) }
        current = entry
        let type = archive_entry_filetype(entry)
        let hardlink = archive_entry_hardlink(entry).map { String(cString: $0) }
        let kind: ArchiveEntryHeader.Kind
        if hardlink != nil {
            kind = .hardlink
        } else {
            switch Int32(type) {
            case Int32(Glibc.S_IFREG): kind = .file
            case Int32(Glibc.S_IFDIR): kind = .directory
            case Int32(Glibc.S_IFLNK): kind = .symlink
            case Int32(Glibc.S_IFCHR), Int32(Glibc.S_IFBLK): kind = .device
            case Int32(Glibc.S_IFIFO): kind = .fifo
            case Int32(Glibc.S_IFSOCK): kind = .socket
            default: kind = .other
            }
        }
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let symlink = archive_entry_symlink(entry).map { String(cString: $0) }
        return ArchiveEntryHeader(
            path: path, kind: kind, size: Int(archive_entry_size(entry)), mode: UInt32(archive_entry_perm(entry)),
            linkTarget: hardlink ?? symlink)
    }

    /// Streams the current entry's data, at most `limit` bytes (a decompression-bomb cap).
    public func readData(limit: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try readBlocks(limit: limit) { block, _ in try body(block) }
    }

    /// Each block with its offset in the entry (sparse entries have holes between blocks).
    private func readBlocks(limit: Int, _ body: (UnsafeRawBufferPointer, la_int64_t) throws -> Void) throws {
        var total = 0
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let result = archive_read_data_block(handle, &block, &size, &offset)
            if result == ARCHIVE_EOF { return }
            if result < ARCHIVE_WARN { throw ArchiveError(call: "archive_read_data_block", message: lastError) }
            total += size
            if total > limit { throw ArchiveError(call: "read", message: "entry exceeds the \(limit)-byte limit") }
            try body(UnsafeRawBufferPointer(start: block, count: size), offset)
        }
    }

    /// Writes the current entry under the current directory with libarchive's secure
    /// extraction flags (no `..`, no absolute paths, no writing through symlinks), handing
    /// each block to `observe` on its way to disk (the restore hashes while it extracts),
    /// at most `limit` bytes.
    public func extractCurrent(
        into disk: DiskWriter, limit: Int, observe: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard let current else { throw ArchiveError(call: "extract", message: "no current entry") }
        if archive_write_header(disk.handle, current) < ARCHIVE_WARN {
            throw ArchiveError(call: "archive_write_header", message: disk.lastError)
        }
        try readBlocks(limit: limit) { block, offset in
            try observe(block)
            // The disk writer reports a failed write(2) — ENOSPC included — as ARCHIVE_WARN,
            // not FATAL: accepting WARN here staged a short file as if whole. With no errno the
            // warning is about the entry itself (more data than its header said).
            if archive_write_data_block(disk.handle, block.baseAddress, block.count, offset) != la_ssize_t(ARCHIVE_OK) {
                guard archive_errno(disk.handle) > 0 else {
                    throw ArchiveError(call: "archive_write_data_block", message: disk.lastError)
                }
                throw ArchiveDiskWriteFailed(call: "archive_write_data_block", message: disk.lastErrorWithErrno)
            }
        }
        if archive_write_finish_entry(disk.handle) < ARCHIVE_WARN {
            throw ArchiveDiskWriteFailed(call: "archive_write_finish_entry", message: disk.lastErrorWithErrno)
        }
    }

    private var lastError: String { archive_error_string(handle).map { String(cString: $0) } ?? "unknown error" }
}

/// libarchive's disk writer with SECURE_NODOTDOT, SECURE_SYMLINKS and SECURE_NOABSOLUTEPATHS.
public final class DiskWriter {
    fileprivate var handle: OpaquePointer?

    public init() {
        handle = archive_write_disk_new()
        let flags =
            ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS
            | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_NO_OVERWRITE
        archive_write_disk_set_options(handle, flags)
    }

    deinit {
        archive_write_close(handle)
        archive_write_free(handle)
    }

    fileprivate var lastError: String { archive_error_string(handle).map { String(cString: $0) } ?? "unknown error" }

    /// "Write failed: No space left on device": libarchive's text names the step, errno the cause.
    fileprivate var lastErrorWithErrno: String {
        let code = archive_errno(handle)
        return code > 0 ? "\(lastError): \(String(cString: strerror(code)))" : lastError
    }
}
