// Sync that fails (no connection, the other phone leaving, a broken message) and the messages a
// person sees: plain words from the error's kind, never patient data.
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

final class SyncAndErrorTests: PatientKitTestCase {
    func testNoConnectionIsARetryableFailureAndNothingChanges() async throws {
        struct Unreachable: Error {}
        let patient = try await fixture.paired(synced: false, connect: { _ in throw Unreachable() })
        await patient.sync.sync()
        guard case let .failed(message) = patient.sync.status else { return XCTFail("\(patient.sync.status)") }
        XCTAssertTrue(message.canRetry)
        XCTAssertTrue(patient.sync.canSync)
        XCTAssertNil(patient.plan)
    }

    func testThePeerLeavingEarlyIsReported() async throws {
        let patient = try await fixture.paired(synced: false, connect: { _ in
            let (mine, theirs) = InProcessTransport.pair()
            await theirs.close() // the other phone went away at once
            return mine
        })
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .failed(UserMessage(PatientKitError.peerLeftEarly)))
    }

    func testABrokenMessageFailsTheSessionAsNotRetryable() async throws {
        let patient = try await fixture.paired(synced: false, connect: { _ in
            let (mine, theirs) = InProcessTransport.pair()
            Task {
                _ = try await theirs.receive()           // the phone's first handshake message
                try await theirs.send(Data("garbage".utf8))
            }
            return mine
        })
        await patient.sync.sync()
        guard case let .failed(message) = patient.sync.status else { return XCTFail("\(patient.sync.status)") }
        XCTAssertEqual(message, UserMessage(LinkWorkError.untrusted(reason: "")), "the secure channel refused it")
        XCTAssertFalse(message.canRetry)
    }

    func testMessagesComeFromTheErrorKindOnly() async {
        let secret = "Ada Lovelace 943 476 5919"
        let errors: [LinkWorkError] = [
            .notFound(kind: "goal", id: secret), .invalidInput(field: "rating", reason: secret),
            .conflict(reason: secret), .notPermitted(action: secret), .storage(reason: secret),
            .sync(retryable: true, reason: secret), .sync(retryable: false, reason: secret), .unexpected(reason: secret),
            .wrongKey(reason: secret), .updateRequired(reason: secret), .untrusted(reason: secret),
        ]
        for error in errors {
            let message = UserMessage(error)
            XCTAssertFalse(message.title.contains(secret) || message.detail.contains(secret), "\(error)")
            XCTAssertFalse(message.title.isEmpty || message.detail.isEmpty)
        }
        XCTAssertEqual(UserMessage(LinkWorkError.invalidInput(field: "rating", reason: "x")).detail, "Choose a number from 0 to 10.")
        XCTAssertTrue(UserMessage(LinkWorkError.sync(retryable: true, reason: "x")).canRetry)
        XCTAssertFalse(UserMessage(LinkWorkError.notPermitted(action: "x")).canRetry)
        XCTAssertEqual(UserMessage(LinkWorkError.updateRequired(reason: "x")).title, "Please update the app")
        XCTAssertEqual(UserMessage(PatientKitError.notAPatientStore).title, "This phone is not set up for you yet")
    }

    func testTheStoreIsEncryptedAndAnotherKeyDoesNotOpenIt() async throws {
        _ = try await fixture.paired()
        // Same directory, other keys: as if the Keychain item were lost.
        let stranger = PatientAppModel(provider: StoreProvider.ephemeral(directory: fixture.directory),
                                       connect: { _ in throw TransportClosed() })
        await stranger.start()
        guard case let .failed(message) = stranger.screen else { return XCTFail("expected failure, got \(stranger.screen)") }
        XCTAssertEqual(message, UserMessage(LinkWorkError.wrongKey(reason: "")))
        XCTAssertThrowsError(try LinkWorkStore.openBlocking(path: fixture.provider.path(PatientAppModel.storeName), key: .unencrypted)) {
            XCTAssertEqual(($0 as? LinkWorkError).map { if case .wrongKey = $0 { return true } else { return false } }, true)
        }
    }

    func testALinkWorkersStoreIsNotAPatientStore() async {
        XCTAssertThrowsError(try PatientStore(fixture.worker)) { error in
            XCTAssertEqual(error as? PatientKitError, .notAPatientStore)
        }
    }

    func testAGoalRemovedFromThePlanCannotTakeProgress() async throws {
        let patient = try await fixture.paired()
        let gone = patient.goalDetail(UUID().uuidString.lowercased())
        XCTAssertNil(gone.goal)
        XCTAssertEqual(gone.title, "This goal is no longer in your plan")
        gone.rating = 5
        XCTAssertFalse(gone.canSave)
        let saved = await gone.save()
        XCTAssertFalse(saved)
    }
}
