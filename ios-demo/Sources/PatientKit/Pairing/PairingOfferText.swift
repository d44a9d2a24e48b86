import Foundation

/// The text form of a pairing offer, as the link worker's app shows it (a QR code holds it) and
/// this app reads it: the payload's bytes in standard Base64 (the Android demo's `PairingText`
/// writes the same form). The six-digit code is shown beside it and typed or confirmed here.
public enum PairingOfferText {
    /// The payload as text.
    public static func encode(_ payload: Data) -> String {
        payload.base64EncodedString()
    }

    /// The payload from the text as scanned or pasted (whitespace ignored), or nil when it is
    /// not Base64. Whether the payload is a valid offer is for the core to say when pairing.
    public static func decode(_ text: String) -> Data? {
        let compact = String(text.filter { !$0.isWhitespace })
        guard !compact.isEmpty else { return nil }
        return Data(base64Encoded: compact)
    }

    /// The code as the person typed it (spaces ignored) when it is six digits, else nil.
    public static func code(_ typed: String) -> String? {
        let compact = String(typed.filter { !$0.isWhitespace })
        return compact.count == 6 && compact.allSatisfy(\.isASCII) && compact.allSatisfy(\.isNumber) ? compact : nil
    }
}
