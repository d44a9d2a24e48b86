// The patient's flow through the same models the SwiftUI views use: pairing, the first sync,
// goals, progress, steps, questionnaires, syncing back, and what the phone holds.
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

final class PatientFlowTests: PatientKitTestCase {
    func testFirstStartAsksForPairingAndPairingCreatesAnEmptyPatientStore() async throws {
        let app = fixture.app()
        await app.start()
        guard case .pairing = app.screen else { return XCTFail("expected pairing, got \(app.screen)") }
        XCTAssertFalse(app.canPair)
        let offer = try PairingOfferShown.make(on: fixture.worker, for: fixture.personId)
        app.name = "Ada"
        app.pairingOffer = "not an offer!"
        app.pairingCode = offer.code
        XCTAssertFalse(app.canPair)
        app.pairingOffer = "\n" + offer.text + " \n"
        app.pairingCode = "12 34"
        XCTAssertFalse(app.canPair, "six digits")
        app.pairingCode = " \(offer.code.prefix(3)) \(offer.code.suffix(3)) "
        XCTAssertTrue(app.canPair, "offers and codes are accepted with spaces")

        let patient = try await fixture.paired(synced: false)
        XCTAssertEqual(patient.store.personId, fixture.personId)
        XCTAssertEqual(patient.store.store.info().role, .patient)
        XCTAssertNil(patient.plan)
        XCTAssertEqual(patient.goals.rows, [])
        XCTAssertEqual(patient.goals.emptyText,
                       "Your goals will appear here after you sync with your link worker's phone.")
        XCTAssertNotNil(patient.steps.emptyText)
        XCTAssertFalse(patient.questionnaire(.ons4).canSubmit, "nothing to answer into before the plan arrives")
    }

    func testTheFirstSyncBringsThePlanAndTheGoalsScreenShowsIt() async throws {
        let patient = try await fixture.paired(synced: false)
        var notified = 0
        let token = patient.goals.changes.observe { notified += 1 }
        await patient.sync.sync()
        token.cancel()

        XCTAssertGreaterThan(notified, 0, "the goals screen was told to redraw")
        XCTAssertEqual(patient.sync.status, .finished(summary: "Up to date. Your plan has been updated."))
        XCTAssertNotNil(patient.sync.details)
        XCTAssertEqual(patient.goals.whatMatters, "Seeing people again")
        XCTAssertNil(patient.goals.emptyText)
        let rows = patient.goals.rows
        XCTAssertEqual(rows.map(\.text), ["Join a walking group", "Sort out the gas bill"])
        XCTAssertEqual(rows.first?.status, "Working on it")
        XCTAssertEqual(rows.first?.progress, "No progress recorded yet")
        XCTAssertEqual(rows.first?.target, "By 31 Jan 2030")
        XCTAssertEqual(rows.first?.steps, "0 of 1 step done")

        // A second sync with nothing new says so.
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .finished(summary: "Up to date. Nothing new from your link worker."))
    }

    func testRecordingProgressOnAGoalReachesTheLinkWorker() async throws {
        let patient = try await fixture.paired()
        let detail = patient.goalDetail(fixture.walking)
        XCTAssertEqual(detail.title, "Join a walking group")
        XCTAssertEqual(detail.subtitle, "Working on it · By 31 Jan 2030")
        XCTAssertFalse(detail.canSave, "nothing entered yet")
        detail.note = "   "
        XCTAssertFalse(detail.canSave, "a blank note is nothing")
        detail.rating = 6
        detail.note = " Walked to the café "
        XCTAssertTrue(detail.canSave)

        let saved = await detail.save()
        XCTAssertTrue(saved)
        XCTAssertNil(detail.message)
        XCTAssertNil(detail.rating, "the form is cleared")
        XCTAssertEqual(detail.note, "")
        XCTAssertEqual(detail.history.count, 1)
        XCTAssertEqual(detail.history.first?.rating, "6 out of 10")
        XCTAssertEqual(detail.history.first?.note, "Walked to the café")
        XCTAssertTrue(detail.history.first?.caption.hasSuffix(" · You") ?? false)
        XCTAssertTrue(patient.goals.rows.first?.progress.hasPrefix("Last rated 6 out of 10 on ") ?? false)

        // A note alone is progress too.
        detail.note = "Rained, stayed in"
        let noteSaved = await detail.save()
        XCTAssertTrue(noteSaved)
        XCTAssertEqual(detail.history.map(\.rating), [nil, "6 out of 10"], "newest first")

        await patient.sync.sync()
        let progress = try fixture.worker.planBlocking(personId: fixture.personId).goals.first { $0.id == fixture.walking }?.progress
        XCTAssertEqual(progress?.map(\.recordedBy), ["Ada", "Ada"])
        XCTAssertEqual(progress?.map(\.note), ["Walked to the café", "Rained, stayed in"])
    }

    func testProgressTheLinkWorkerRecordedIsShownAsTheirs() async throws {
        _ = try fixture.worker.recordProgressBlocking(goalId: fixture.money, progress: NewProgress(rating: 3))
        let patient = try await fixture.paired()
        XCTAssertEqual(patient.goalDetail(fixture.money).history.first?.caption.hasSuffix(" · Your link worker"), true)
        XCTAssertTrue(patient.goals.rows.last?.progress.hasSuffix(" by your link worker") ?? false)
    }

    func testTickingAndUntickingOwnStepsOnly() async throws {
        let patient = try await fixture.paired()
        let steps = patient.steps
        XCTAssertEqual(steps.summary, "0 of 2 done")
        XCTAssertEqual(steps.toDo.map(\.text), ["Ring the group leader", "Ask Citizens Advice"])
        let own = try XCTUnwrap(steps.toDo.first { $0.id == fixture.ownStep })
        XCTAssertEqual(own.owner, "You")
        XCTAssertTrue(own.canTick)
        XCTAssertEqual(own.detail, "Due 10 Jan 2030")
        XCTAssertEqual(own.goal, "Join a walking group")
        XCTAssertEqual(own.caption, "You · Due 10 Jan 2030 · Join a walking group")
        let theirs = try XCTUnwrap(steps.toDo.first { $0.id == fixture.workersStep })
        XCTAssertEqual(theirs.owner, "Your link worker")
        XCTAssertFalse(theirs.canTick)

        await steps.toggle(fixture.ownStep)
        XCTAssertNil(steps.message)
        XCTAssertEqual(steps.done.map(\.id), [fixture.ownStep])
        XCTAssertTrue(steps.done.first?.detail?.hasPrefix("Done ") ?? false)
        XCTAssertEqual(steps.summary, "1 of 2 done")
        XCTAssertEqual(patient.goals.rows.first?.steps, "1 of 1 step done")

        await steps.toggle(fixture.workersStep)
        XCTAssertEqual(steps.toDo.map(\.id), [fixture.workersStep], "the link worker's step is theirs to tick")

        await patient.sync.sync()
        XCTAssertEqual(try fixture.worker.planBlocking(personId: fixture.personId).steps.first { $0.id == fixture.ownStep }?.doneBy,
                       "Ada")

        await steps.toggle(fixture.ownStep) // ticked by mistake: untick
        XCTAssertEqual(steps.done, [])
        await patient.sync.sync()
        XCTAssertNil(try fixture.worker.planBlocking(personId: fixture.personId).steps.first { $0.id == fixture.ownStep }?.doneAt)
    }

    func testWhatThePhoneHoldsAfterSyncingIsThePlanAndNoCaseData() async throws {
        let patient = try await fixture.paired()
        let check = try await patient.store.privacyCheck()
        XCTAssertEqual(check, PrivacyCheck(peopleHeld: 1, holdsOnlyOwnPlan: true, holdsCaseRecord: false,
                                           caseExportRefused: true, gpCodesRefused: true, caseNoteRefused: true,
                                           newGoalRefused: true))
        XCTAssertTrue(check.holdsNoCaseData)
        XCTAssertEqual(try fixture.worker.personBlocking(personId: fixture.personId).caseRecord?.notes.map(\.text), [Fixture.caseNote])
        let onPhone = try await patient.store.plan()
        XCTAssertEqual(try fixture.worker.planBlocking(personId: fixture.personId), onPhone)
    }

    func testReopeningTheAppGoesStraightToThePlan() async throws {
        _ = try await fixture.paired()
        let again = fixture.app()
        await again.start()
        guard case let .plan(patient) = again.screen else { return XCTFail("expected the plan, got \(again.screen)") }
        XCTAssertTrue(patient.hasLoaded)
        XCTAssertEqual(patient.goals.rows.count, 2, "the plan is on the phone: no sync needed to see it")
    }
}
