// Device identity through the Swift API: an organisation issues certificates from device
// requests, a link worker pairs a patient's phone with a code, and a secure channel carries an
// authenticated sync. Refusals and revocation lists are tested in Rust (core/src/identity,
// tests/tests/integration/identity_signing.rs).
import Foundation
import XCTest
import LinkWork

/// Asserts that `expression` throws `LinkWorkError.untrusted`; returns its reason.
@discardableResult
func assertUntrusted<T>(
    _ expression: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    var reason: String?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.untrusted(r) = error else {
            return XCTFail("expected LinkWorkError.untrusted, got \(error)", file: file, line: line)
        }
        reason = r
    }
    return reason
}

final class IdentityTests: LinkWorkTestCase {
    private func linkWorker(_ name: String, _ user: String = "sam.worker") throws -> LinkWorkStore {
        try LinkWorkStore.createBlocking(path: dir.path(name), key: .unencrypted, user: user, role: .linkWorker)
    }

    @discardableResult
    private func enrol(_ org: Organisation, _ store: LinkWorkStore, _ role: CertificateRole,
                       canEnrol: Bool) throws -> DeviceCertificate {
        try store.installCertificateBlocking(certificate: org.issue(
            request: store.certificateRequestBlocking(), role: role, canErase: false,
            canEnrolPatients: canEnrol, days: 30))
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
        XCTAssertEqual(assertUntrusted(try LinkWorkStore.createPairedBlocking(
            path: dir.path("phone.db"), key: .unencrypted, user: "Ada", payload: offer.payload, code: wrong)),
            "pairing code does not match")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("phone.db")))
        let phone = try LinkWorkStore.createPairedBlocking(
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
        let sync = try a.syncStartAuthenticatedBlocking(channel: start.channel)
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
}
