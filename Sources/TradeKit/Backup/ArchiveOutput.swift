import CLinux
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where compressed bytes go: a file descriptor the caller owns, hashed on the way
/// (the catalog keeps the archive's SHA-256 without reading it again).
///
/// The archive is written back as it grows, not all at the final fsync: every
/// `writebackChunk` bytes the newest chunk's writeback is started and the one before it
/// waited for and dropped from the page cache. A final fsync of a whole archive's dirty pages
/// made the live database's own fsyncs (a WAL checkpoint) queue behind it on the same disk
/// (a 23 ms commit for a writer whose commits take 4 ms); now at most two chunks are dirty.
public final class ArchiveOutput {
    public let descriptor: Int32
    public private(set) var bytes = 0
    private var hasher = SHA256()
    /// The errno of the write that failed (ENOSPC: the disk is full), 0 while none has.
    public internal(set) var failure: Int32 = 0
    /// Bytes whose writeback has been started, and bytes written back and out of the cache.
    private var started = 0
    private var settled = 0
    static let writebackChunk = 8 << 20

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public func digest() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }

    func write(_ buffer: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < buffer.count {
            let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                failure = errno
                return -1
            }
            offset += count
        }
        hasher.update(bufferPointer: buffer)
        bytes += buffer.count
        if bytes - started >= Self.writebackChunk { writeBack() }
        return buffer.count
    }

    /// Errors are left to the final fsync, which reports any that writeback met.
    private func writeBack() {
        _ = tradectl_sync_file_range(descriptor, Int64(started), Int64(bytes - started), tradectl_sync_start)
        if started > settled {
            _ = tradectl_sync_file_range(
                descriptor, Int64(settled), Int64(started - settled), tradectl_sync_wait)
            _ = posix_fadvise(descriptor, off_t(settled), off_t(started - settled), POSIX_FADV_DONTNEED)
            settled = started
        }
        started = bytes
    }
}
