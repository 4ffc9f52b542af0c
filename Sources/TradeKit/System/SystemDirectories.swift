import Foundation

/// The machine-wide directories searched for unit templates and runbooks, after the project's own
/// and before the development fallback next to the binary.
///
/// Injectable so tests never read the real `/etc` and `/usr/share`.
public struct SystemDirectories: Sendable, Equatable {
    /// The administrator's overrides (`/etc/tradectl`): a file here replaces the shipped one of the same name.
    public var overrides: String
    /// What the package ships (`/usr/share/tradectl`), never edited in place.
    public var shipped: String

    public init(overrides: String, shipped: String) {
        self.overrides = overrides
        self.shipped = shipped
    }

    public static let standard = SystemDirectories(overrides: "/etc/tradectl", shipped: "/usr/share/tradectl")

    /// The same path spelled once: `a/../b` and symlinks resolved, so a directory is searched once.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardized.resolvingSymlinksInPath().path
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
