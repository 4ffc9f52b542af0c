import Foundation

/// Makes config values safe to place in a systemd unit file.
///
/// A newline would start a new directive (`exec = "x\nExecStartPre=/bin/rm …"`), a
/// trailing backslash would continue the line, and `%` starts a specifier, so values
/// are checked here and `%` is doubled when rendered.
public enum UnitValue {
    /// Why `value` cannot go into a unit, or nil when it can.
    public static func problem(in value: String) -> String? {
        for scalar in value.unicodeScalars {
            if scalar == "\n" || scalar == "\r" { return "contains a line break, which could inject a unit directive" }
            if scalar.properties.generalCategory == .control {
                let code = String(scalar.value, radix: 16, uppercase: true)
                return
                    "contains the control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code)"
            }
            if scalar == "\u{2028}" || scalar == "\u{2029}" { return "contains a Unicode line separator" }
        }
        if value.hasSuffix("\\") { return "ends with a backslash, which would continue the unit line" }
        return nil
    }

    /// `%` → `%%`, so systemd does not expand specifiers in user data.
    public static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "%", with: "%%")
    }
}
