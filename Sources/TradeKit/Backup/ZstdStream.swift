import CZstd

#if canImport(Glibc)
    import Glibc
#endif

/// zstd compression of the tar stream, with libzstd's own worker threads and a bounded job size.
///
/// libarchive's zstd filter (3.6) sets only the level and the thread count, and libzstd's
/// default job for level 3 is 8 MiB: with two workers its buffers held ~50 MiB, half the
/// backup's peak RSS. Jobs of `jobSize` keep the buffers a few MiB (ratio within a fraction
/// of a percent), and frames carry a checksum as the `zstd` CLI writes them.
final class ZstdStream {
    private let context: OpaquePointer
    private let output: ArchiveOutput
    private let buffer: UnsafeMutableRawBufferPointer
    /// libzstd's message for the call that failed, nil while none has.
    private(set) var failure: String?

    static let jobSize: Int32 = 1 << 20

    init(output: ArchiveOutput, level: Int32, workers: Int) throws {
        guard let context = ZSTD_createCCtx() else {
            throw ArchiveError(call: "ZSTD_createCCtx", message: "out of memory")
        }
        self.context = context
        self.output = output
        buffer = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        try set(ZSTD_c_compressionLevel, level)
        try set(ZSTD_c_checksumFlag, 1)
        if workers > 1 {
            try set(ZSTD_c_nbWorkers, Int32(workers))
            try set(ZSTD_c_jobSize, Self.jobSize)
        }
    }

    deinit {
        ZSTD_freeCCtx(context)
        buffer.deallocate()
    }

    /// Compresses `data` (-1 when compressing or writing failed: `failure` or the output's errno says why).
    func write(_ data: UnsafeRawBufferPointer) -> Int {
        var input = ZSTD_inBuffer(src: data.baseAddress, size: data.count, pos: 0)
        repeat {
            guard drain(&input, ZSTD_e_continue) != nil else { return -1 }
        } while input.pos < input.size
        return data.count
    }

    /// Ends the frame: everything compressed is written to the output.
    func finish() throws {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while true {
            guard let remaining = drain(&input, ZSTD_e_end) else {
                throw ArchiveError(
                    call: "ZSTD_compressStream2",
                    message: failure ?? "write failed: \(String(cString: strerror(output.failure)))")
            }
            if remaining == 0 { return }
        }
    }

    /// One compression call and the write of what it produced; what is left to flush, nil on failure.
    private func drain(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) -> Int? {
        var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        let result = ZSTD_compressStream2(context, &out, &input, directive)
        if ZSTD_isError(result) != 0 {
            failure = String(cString: ZSTD_getErrorName(result))
            return nil
        }
        if out.pos > 0, output.write(UnsafeRawBufferPointer(start: buffer.baseAddress, count: out.pos)) < 0 {
            return nil
        }
        return result
    }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int32) throws {
        let result = ZSTD_CCtx_setParameter(context, parameter, value)
        if ZSTD_isError(result) != 0 {
            throw ArchiveError(call: "ZSTD_CCtx_setParameter", message: String(cString: ZSTD_getErrorName(result)))
        }
    }
}
