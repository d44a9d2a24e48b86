// Device identity through the Swift API: an organisation issues certificates from device
// requests, a link worker pairs a patient's phone with a code, revocation lists move forward
// only, and every refusal is LinkWorkError.Untrusted that installs nothing.
import Foundation
import XCTest
import LinkWork

/// Asserts that `expression` throws `LinkWorkError.Untrusted`; returns its reason.
@discardableResult
func assertUntrusted<T>(
    _ expression: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    var reason: String?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.Untrusted(r) = error else {
            return XCTFail("expected LinkWorkError.Untrusted, got \(error)", file: file, line: line)
        }
        reason = r
    }
    return reason
}

final class IdentityTests: LinkWorkTestCase {
    private func linkWorker(_ name: String, _ user: String = "sam.worker") throws -> LinkWorkStore {
        try LinkWorkStore.create(path: dir.path(name), key: .unencrypted, user: user, role: .linkWorker)
    }

    @discardableResult
    private func enrol(_ org: Organisation, _ store: LinkWorkStore, _ role: CertificateRole,
                       canEnrol: Bool) throws -> DeviceCertificate {
        try store.installCertificateBlocking(certificate: org.issue(
            request: store.certificateRequestBlocking(), role: role, canErase: false,
            canEnrolPatients: canEnrol, days: 30))
    }

    /// ADR 0007: every change is signed by its device; history's author is the signer's
    /// certificate once the store holds one, "unverified" before.
    func testHistoryShowsTheAuthorItsSignatureProves() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let store = try linkWorker("a.db")
        let pid = try store.addPersonBlocking(person: newPerson())
        let key = try store.deviceIdentityBlocking().deviceKey
        guard case let .unverified(device) = try store.historyBlocking(personId: pid).first?.author else {
            return XCTFail("expected an unverified author before enrolment")
        }
        XCTAssertEqual(device, key)
        try enrol(org, store, .linkWorker, canEnrol: false)
        guard case let .verified(name, role, signer, adopted) =
            try store.historyBlocking(personId: pid).first?.author
        else {
            return XCTFail("expected a verified author once enrolled")
        }
        XCTAssertEqual(name, "sam.worker")
        XCTAssertEqual(role, "link-worker")
        XCTAssertEqual(signer, key)
        XCTAssertFalse(adopted)
    }

    func testRequestIssueInstall() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let store = try linkWorker("a.db")
        let before = try store.deviceIdentityBlocking()
        XCTAssertFalse(before.enrolled)
        XCTAssertEqual(before.deviceKey.count, 64)
        let cert = try enrol(org, store, .teamLead, canEnrol: true)
        XCTAssertEqual(cert.organisation, "Northtown PCN")
        XCTAssertEqual(cert.organisationKey, org.key())
        XCTAssertEqual(cert.deviceKey, before.deviceKey)
        XCTAssertEqual(cert.role, .teamLead)
        XCTAssertEqual(cert.name, "sam.worker")
        XCTAssertTrue(cert.canEnrolPatients)
        XCTAssertFalse(cert.canErase)
        XCTAssertGreaterThan(cert.expiresAt, cert.issuedAt)
        XCTAssertTrue(try store.deviceIdentityBlocking().enrolled)
    }

    func testPairAPatientsPhoneWithItsCode() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let lw = try linkWorker("lw.db")
        try enrol(org, lw, .linkWorker, canEnrol: true)
        let pid = try lw.addPersonBlocking(person: newPerson())
        let offer = try lw.pairPatientBlocking(personId: pid, days: 365)
        XCTAssertEqual(offer.code.count, 6)
        XCTAssertLessThan(offer.payload.count, 1000)
        let wrong = offer.code == "000000" ? "000001" : "000000"
        XCTAssertEqual(assertUntrusted(try LinkWorkStore.createPaired(
            path: dir.path("phone.db"), key: .unencrypted, user: "Ada", payload: offer.payload, code: wrong)),
            "pairing code does not match")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("phone.db")))
        let phone = try LinkWorkStore.createPaired(
            path: dir.path("phone.db"), key: .unencrypted, user: "Ada", payload: offer.payload, code: offer.code)
        XCTAssertEqual(phone.info().personId, pid)
        let identity = try phone.deviceIdentityBlocking()
        XCTAssertEqual(identity.certificate?.role, .patient)
        XCTAssertEqual(identity.certificate?.personId, pid)
        XCTAssertEqual(identity.certificate?.paired, true)
        let seen = try lw.verifyPeerCertificateBlocking(certificate: XCTUnwrap(identity.certificateBytes))
        XCTAssertEqual(seen.personId, pid)
        _ = try phone.verifyPeerCertificateBlocking(certificate: XCTUnwrap(lw.deviceIdentityBlocking().certificateBytes))
    }

    func testRefusalsAreUntrustedAndInstallNothing() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let other = try Organisation.create(name: "Elsewhere PCN")
        let a = try linkWorker("a.db")
        let b = try linkWorker("b.db", "jo")
        let forA = try org.issue(request: a.certificateRequestBlocking(), role: .linkWorker, canErase: false,
                                 canEnrolPatients: false, days: 30)
        XCTAssertEqual(assertUntrusted(try b.installCertificateBlocking(certificate: forA)), "for another device")
        XCTAssertEqual(assertUntrusted(try org.issue(request: a.certificateRequestBlocking(), role: .patient,
                                                     canErase: false, canEnrolPatients: false, days: 30)),
                       "role does not match")
        _ = try a.installCertificateBlocking(certificate: forA)
        let foreign = try other.issue(request: a.certificateRequestBlocking(), role: .admin, canErase: true,
                                      canEnrolPatients: true, days: 30)
        XCTAssertEqual(assertUntrusted(try a.installCertificateBlocking(certificate: foreign)),
                       "issued by another organisation")
        XCTAssertEqual(try a.deviceIdentityBlocking().certificate?.role, .linkWorker)
        var tampered = forA
        tampered[tampered.count / 2] ^= 1
        assertUntrusted(try a.verifyPeerCertificateBlocking(certificate: tampered))
        XCTAssertEqual(assertUntrusted(try b.verifyPeerCertificateBlocking(certificate: forA)), "not enrolled")
        let pid = try a.addPersonBlocking(person: newPerson())
        XCTAssertEqual(assertUntrusted(try a.pairPatientBlocking(personId: pid, days: 30)), "issuer may not enrol patients")
    }

    func testRevocationListsRefuseRevokedDevicesAndOnlyMoveForward() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let a = try linkWorker("a.db")
        let b = try linkWorker("b.db", "jo")
        try enrol(org, a, .linkWorker, canEnrol: false)
        let bCert = try org.issue(request: b.certificateRequestBlocking(), role: .linkWorker, canErase: false,
                                  canEnrolPatients: false, days: 30)
        _ = try b.installCertificateBlocking(certificate: bCert)
        _ = try a.verifyPeerCertificateBlocking(certificate: bCert)
        let v1 = try org.revoke(previous: nil, deviceKey: b.deviceIdentityBlocking().deviceKey)
        let v2 = try org.revoke(previous: v1, deviceKey: String(repeating: "ab", count: 32))
        let info = try a.updateTrustBlocking(list: v2)
        XCTAssertEqual(info.version, 2)
        XCTAssertTrue(info.revokedDevices.contains(try b.deviceIdentityBlocking().deviceKey))
        XCTAssertEqual(assertUntrusted(try a.verifyPeerCertificateBlocking(certificate: bCert)), "revoked")
        XCTAssertEqual(assertUntrusted(try a.updateTrustBlocking(list: v1)),
                       "revocation list is not newer than the installed one")
        XCTAssertEqual(try a.deviceIdentityBlocking().revocationListVersion, 2)
    }

    func testSecureChannelThenAnAuthenticatedSyncOfSealedMessages() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let a = try linkWorker("a.db")
        let b = try linkWorker("b.db", "jo")
        try enrol(org, a, .linkWorker, canEnrol: false)
        try enrol(org, b, .linkWorker, canEnrol: false)
        let pid = try a.addPersonBlocking(person: newPerson())
        let start = try a.secureChannelInitiateBlocking(allowUnenrolled: false)
        let cb = try b.secureChannelAcceptBlocking(allowUnenrolled: false)
        let m2 = try XCTUnwrap(cb.receiveHandshake(message: start.message))
        let m3 = try XCTUnwrap(start.channel.receiveHandshake(message: m2))
        XCTAssertFalse(start.channel.isOpen(), "the connecting side waits for the listener's certificate")
        let m4 = try XCTUnwrap(cb.receiveHandshake(message: m3))
        XCTAssertNil(try start.channel.receiveHandshake(message: m4))
        XCTAssertTrue(start.channel.isOpen() && cb.isOpen())
        XCTAssertEqual(start.channel.peerCertificate()?.name, "jo")
        let sync = try a.syncStartAuthenticated(channel: start.channel)
        let sb = try b.syncAcceptAuthenticated(channel: cb)
        var wire: [Data] = []
        var frame: Data? = try start.channel.seal(message: sync.message)
        var toB = true
        var rounds = 0
        while let sealed = frame, rounds < 50 {
            rounds += 1
            wire.append(sealed)
            if toB {
                frame = try sb.receiveBlocking(message: cb.open(frame: sealed)).reply.map { try cb.seal(message: $0) }
            } else {
                frame = try sync.session.receiveBlocking(message: start.channel.open(frame: sealed)).reply
                    .map { try start.channel.seal(message: $0) }
            }
            toB.toggle()
        }
        XCTAssertEqual(try b.personBlocking(personId: pid).caseRecord?.demographics.familyName, "Lovelace")
        for sealed in wire {
            XCTAssertNil(sealed.range(of: Data("Lovelace".utf8)))
            XCTAssertNil(sealed.range(of: Data("943 476 5919".utf8)))
        }
        var altered = try start.channel.seal(message: Data([1, 2, 3]))
        altered[altered.count - 1] ^= 1
        assertUntrusted(try cb.open(frame: altered))
    }

    func testEnrolledAndUnenrolledStoresRefuseEachOther() throws {
        let org = try Organisation.create(name: "Northtown PCN")
        let a = try linkWorker("a.db")
        let c = try linkWorker("c.db", "stranger")
        try enrol(org, a, .linkWorker, canEnrol: false)
        XCTAssertEqual(assertUntrusted(try c.secureChannelInitiateBlocking(allowUnenrolled: false)), "not enrolled")
        // The unenrolled store (opted in) connects without a certificate; the enrolled listener
        // refuses it before showing anything of its own certificate.
        let start = try c.secureChannelInitiateBlocking(allowUnenrolled: true)
        let ca = try a.secureChannelAcceptBlocking(allowUnenrolled: true)
        let m2 = try XCTUnwrap(ca.receiveHandshake(message: start.message))
        let m3 = try XCTUnwrap(start.channel.receiveHandshake(message: m2))
        XCTAssertEqual(assertUntrusted(try ca.receiveHandshake(message: m3)), "peer not authenticated")
        XCTAssertNil(start.channel.peerCertificate())
        assertUntrusted(try a.syncAcceptAuthenticated(channel: ca))
    }
}
