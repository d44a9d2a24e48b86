// Pairing from the offer the link worker's app shows: a wrong code or an unreadable offer
// creates nothing; the paired phone syncs authenticated (each side knows the other by its
// certificate); a stranger's phone that knows the person's id is refused and receives nothing.
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

final class PairingTests: PatientKitTestCase {
    func testAWrongCodeCreatesNothingAndTheRightOneEnrolsThePhoneForItsPerson() async throws {
        let offer = try PairingOfferShown.make(on: fixture.worker, for: fixture.personId)
        XCTAssertNotNil(PairingOfferText.decode(offer.text))
        XCTAssertNil(PairingOfferText.decode("not an offer!"))
        XCTAssertNil(PairingOfferText.code("12345a"))
        let app = fixture.app()
        await app.start()
        app.name = "Ada"
        app.pairingOffer = offer.text
        app.pairingCode = offer.code == "000000" ? "000001" : "000000"
        await app.pair()
        guard case .pairing = app.screen else { return XCTFail("a wrong code paired: \(app.screen)") }
        XCTAssertEqual(app.message, UserMessage(LinkWorkError.untrusted(reason: "")))
        XCTAssertFalse(fixture.provider.exists(PatientAppModel.storeName), "no store was created")

        let patient = try await fixture.paired(synced: false)
        let identity = try patient.store.store.deviceIdentityBlocking()
        XCTAssertEqual(identity.certificate?.role, .patient)
        XCTAssertEqual(identity.certificate?.personId, fixture.personId)
        XCTAssertEqual(identity.certificate?.paired, true)
        XCTAssertEqual(identity.certificate?.organisation, DemoOrganisation.name)
    }

    func testThePairedPhoneSyncsAuthenticated() async throws {
        _ = try await fixture.paired()
        let heard = try await fixture.peer.lastOutcome()
        XCTAssertEqual(heard?.peer?.role, .patient)
        XCTAssertEqual(heard?.peer?.personId, fixture.personId)
        let seen = try fixture.worker.peersBlocking().first { $0.role == .patient }
        XCTAssertEqual(seen?.certificateName, "Ada", "the worker's phone knows the peer by its certificate")
        XCTAssertEqual(seen?.certificateRole, "patient")
    }

    func testAStrangerWhoKnowsThePersonsIdIsRefusedAndReceivesNothing() async throws {
        let stranger = try fixture.provider.createPatientStore("stranger.db", user: "someone", personId: fixture.personId)
        let peer = fixture.peer
        do {
            _ = try await SyncRunner.run(stranger, over: await peer.connect(), as: .connecting)
            XCTFail("the stranger synced")
        } catch {
            // refused during the handshake (the worker's phone closes the channel)
        }
        XCTAssertTrue(try stranger.documentsBlocking().isEmpty, "the stranger received nothing")
        XCTAssertTrue(try fixture.worker.peersBlocking().isEmpty, "and the worker's phone recorded no peer")
    }
}
