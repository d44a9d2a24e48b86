import Foundation
import LinkWork

/// **Demo only.** The organisation that certifies the link worker's store in the command line
/// and the tests, so that it may pair this app's phone and the two sync authenticated.
///
/// In a deployment the organisation's signing key is kept by its administrator (`linkwork org
/// init`) or the team's hub, never by a phone; the link worker's device is enrolled once with
/// its certificate request, and this app never sees any of it: it only reads the offer the link
/// worker's app shows (docs/security.md, "Identity"). The Android demo (the link worker's app)
/// has the same helper.
public struct DemoOrganisation {
    /// The demo organisation's name: says on every certificate that it is not real.
    public static let name = "Demo organisation (not for real use)"

    private let organisation: Organisation

    /// A new demo organisation with a fresh random key.
    public init() throws {
        organisation = try Organisation.create(name: Self.name)
    }

    /// Enrols the link worker's `store` (allowed to enrol patients' phones) unless it holds a
    /// certificate already. Blocks on disk I/O.
    public func enrolLinkWorker(_ store: LinkWorkStore) throws {
        guard try store.deviceIdentityBlocking().certificate == nil else { return }
        let certificate = try organisation.issue(request: store.certificateRequestBlocking(), role: .linkWorker,
                                                 canErase: true, canEnrolPatients: true, days: 365)
        _ = try store.installCertificateBlocking(certificate: certificate)
    }
}

/// What the link worker's app shows to pair a person's phone: the offer as text (a QR code) and
/// the six-digit code the person confirms.
public struct PairingOfferShown: Equatable, Sendable {
    /// The payload as text (`PairingOfferText`).
    public var text: String
    /// The code both screens show.
    public var code: String

    /// The offer `store` (an enrolled link worker's, allowed to enrol patients) makes for
    /// `personId`, as its app would show it. Blocks on disk I/O.
    public static func make(on store: LinkWorkStore, for personId: String) throws -> PairingOfferShown {
        let offer = try store.pairPatientBlocking(personId: personId, days: 365)
        return PairingOfferShown(text: PairingOfferText.encode(offer.payload), code: offer.code)
    }
}
