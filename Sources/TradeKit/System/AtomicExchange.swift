import CLinux
import Foundation

/// Swaps two directory trees in one step (`renameat2(RENAME_EXCHANGE)`): at every instant
/// each path names either the old tree or the new one, never a mix or nothing.
public enum AtomicExchange {
    public static func exchange(_ first: String, _ second: String) throws {
        try systemCall("renameat2(RENAME_EXCHANGE)", "\(first) ⇄ \(second)") { tradectl_exchange(first, second) }
    }
}
