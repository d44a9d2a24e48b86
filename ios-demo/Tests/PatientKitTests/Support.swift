// Shared fixtures: a temporary directory per test, a link worker's store (enrolled with a demo
// organisation) with Ada's plan and case, and Ada's app paired with it from the offer its app
// shows, syncing authenticated through an in-process transport.
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

/// A link worker's phone with one person's plan and case, and that person's app.
@MainActor
final class Fixture {
    let directory: URL
    let provider: StoreProvider
    let worker: LinkWorkStore
    let peer: InProcessPeer
    let personId: String
    let walking: String
    let money: String
    let ownStep: String
    let workersStep: String
    static let caseNote = "Confidential: low mood since bereavement"

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("patientkit-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        provider = StoreProvider.ephemeral(directory: directory)
        worker = try provider.createLinkWorkerStore("caseload.db", user: "sam.worker")
        try DemoOrganisation().enrolLinkWorker(worker)
        personId = try worker.addPersonBlocking(person: NewPerson(
            givenName: "Ada", familyName: "Lovelace", nhsNumber: "943 476 5919",
            referral: NewReferral(source: .gp, consentToContact: true)))
        try worker.setWhatMattersBlocking(personId: personId, text: "Seeing people again")
        walking = try worker.addGoalBlocking(personId: personId, goal: NewGoal(text: "Join a walking group", targetDate: DateComponents(year: 2030, month: 1, day: 31)))
        money = try worker.addGoalBlocking(personId: personId, goal: NewGoal(text: "Sort out the gas bill"))
        ownStep = try worker.addStepBlocking(personId: personId, step: NewStep(
            text: "Ring the group leader", owner: .person, goalId: walking, due: DateComponents(year: 2030, month: 1, day: 10)))
        workersStep = try worker.addStepBlocking(personId: personId, step: NewStep(
            text: "Ask Citizens Advice", owner: .linkWorker, goalId: money))
        _ = try worker.addCaseNoteBlocking(personId: personId, text: Self.caseNote)
        peer = InProcessPeer(store: worker)
    }

    /// The app on Ada's phone, with `connect` reaching the link worker's phone by default.
    func app(connect: SyncModel.Connect? = nil) -> PatientAppModel {
        let peer = peer
        return PatientAppModel(provider: provider, connect: connect ?? { _ in await peer.connect() })
    }

    /// Ada's app, paired and (unless `synced` is false) synced once.
    func paired(synced: Bool = true, connect: SyncModel.Connect? = nil) async throws -> PatientModel {
        let app = app(connect: connect)
        await app.start()
        let offer = try PairingOfferShown.make(on: worker, for: personId)
        app.name = "Ada"
        app.pairingOffer = offer.text
        app.pairingCode = offer.code
        await app.pair()
        guard case let .plan(patient) = app.screen else {
            XCTFail("pairing did not open the plan: \(app.screen)")
            throw FixtureError.notPaired
        }
        if synced {
            await patient.sync.sync()
            XCTAssertEqual(patient.sync.status, .finished(summary: "Up to date. Your plan has been updated."))
        }
        return patient
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

enum FixtureError: Error {
    case notPaired
}

/// Base class: a fresh fixture per test, removed afterwards.
@MainActor
class PatientKitTestCase: XCTestCase {
    private(set) var fixture: Fixture!

    override func setUp() async throws {
        try await super.setUp()
        fixture = try Fixture()
    }

    override func tearDown() async throws {
        fixture?.remove()
        fixture = nil
        try await super.tearDown()
    }
}
