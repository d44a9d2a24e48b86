// A link worker's whole home-visit flow through the Swift API (most records crossing), update
// records with their `clear` list, and the maintenance calls. History, plan and episode rules
// are tested in Rust (tests/tests/integration/history.rs, plan.rs, episode.rs).
import Foundation
import XCTest
import LinkWork

final class FlowTests: LinkWorkTestCase {
    private let acceptedCode = "871731000000106"

    func testHomeVisitFlowFromReferralToHistory() throws {
        let store = try linkWorkerStore()
        let info = store.info()
        XCTAssertEqual(info.role, .linkWorker)
        XCTAssertEqual(info.user, "sam.worker")
        XCTAssertNil(info.personId)
        XCTAssertFalse(info.storeId.isEmpty)
        XCTAssertEqual(store.path(), dir.path("caseload.db"))

        // Referral in, contact attempts, contacting -> accepted.
        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertNotNil(UUID(uuidString: pid), "ids are UUID text")
        let reachedAt = wholeSecondsAgo(2 * 3600)
        _ = try store.recordContactAttemptBlocking(
            personId: pid,
            attempt: NewContactAttempt(channel: .phone, outcome: .noAnswer, at: reachedAt.addingTimeInterval(-86400))
        )
        XCTAssertEqual(try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .contacting)), .contacting)
        _ = try store.recordContactAttemptBlocking(
            personId: pid,
            attempt: NewContactAttempt(channel: .phone, outcome: .reached, at: reachedAt, note: "booked a home visit")
        )
        XCTAssertEqual(
            try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted, reason: "keen")),
            .accepted
        )
        XCTAssertEqual(try store.gpCodesBlocking(personId: pid).filter { $0.code == acceptedCode }.count, 1)

        // What matters, needs, review date.
        try store.setWhatMattersBlocking(personId: pid, text: "Getting out of the house and seeing people again")
        try store.addNeedBlocking(personId: pid, need: .loneliness, note: "since her husband died")
        try store.addNeedBlocking(personId: pid, need: .debt)
        try store.addNeedBlocking(personId: pid, need: .bereavement)
        try store.removeNeedBlocking(personId: pid, need: .bereavement)
        try store.setReviewDateBlocking(personId: pid, date: day(90))

        // Goals with progress, steps (one done).
        let walking = try store.addGoalBlocking(
            personId: pid, goal: NewGoal(text: "Join a walking group", needs: [.loneliness], targetDate: day(60))
        )
        let bills = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Sort out the gas bill arrears", needs: [.debt]))
        _ = try store.recordProgressBlocking(goalId: walking, progress: NewProgress(rating: 3, note: "went once"))
        _ = try store.recordProgressBlocking(goalId: walking, progress: NewProgress(rating: 6))
        let call = try store.addStepBlocking(
            personId: pid,
            step: NewStep(text: "Call the walking group leader", owner: .linkWorker, goalId: walking, due: day(2))
        )
        let bring = try store.addStepBlocking(
            personId: pid,
            step: NewStep(text: "Bring the bill to the drop-in", owner: .person, goalId: bills, due: day(7))
        )
        try store.completeStepBlocking(stepId: call)

        // The home visit with lone-working check-in and check-out.
        let visit = try store.addConsultationBlocking(
            personId: pid,
            consultation: NewConsultation(mode: .homeVisit, durationMinutes: 45, attendees: ["daughter"])
        )
        try store.checkInBlocking(consultationId: visit)
        try store.setConsultationNotesBlocking(consultationId: visit, notes: "Talked about the walking group; daughter present")
        try store.checkOutBlocking(consultationId: visit)

        // Consent, an onward referral with no capacity, an ONS4 measure, a flag and a note.
        _ = try store.recordConsentBlocking(
            personId: pid,
            consent: NewConsent(
                purpose: "debt support", recipient: "Citizens Advice", recipientOrg: "LOCAL-CAB",
                decision: .given, method: .verbal,
                capacity: .hasCapacity, expires: day(365)
            )
        )
        let onward = try store.addOnwardReferralBlocking(
            personId: pid,
            referral: NewOnwardReferral(service: "Debt advice drop-in", organisation: "Citizens Advice", need: "debt")
        )
        try store.transitionOnwardReferralBlocking(referralId: onward, to: .noCapacity, note: "waitlisted for six weeks")
        _ = try store.recordMeasureBlocking(
            personId: pid,
            response: NewMeasureResponse(instrument: .ons4, timepoint: .baseline, mode: .readOut, answers: [4, 6, 5, 7])
        )
        _ = try store.raiseFlagBlocking(personId: pid, kind: .risk, description: "dog on the premises")
        let note = try store.addCaseNoteBlocking(personId: pid, text: "First visit went well")
        try store.editCaseNoteBlocking(noteId: note, text: "First home visit went well")

        // Accepting again is refused, and the GP code is still there exactly once.
        assertConflict(try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted)))
        let accepted = try store.gpCodesBlocking(personId: pid).filter { $0.code == acceptedCode }
        XCTAssertEqual(accepted.count, 1)
        XCTAssertEqual(accepted.first?.recordedBy, "sam.worker")
        XCTAssertFalse(accepted.first?.display.isEmpty ?? true)

        // Caseload search finds the person by name and NHS number, and filters by status.
        let hits = try store.caseloadBlocking(query: CaseloadQuery(text: "ada"))
        XCTAssertEqual(hits.count, 1)
        let hit = try XCTUnwrap(hits.first)
        XCTAssertEqual(hit.personId, pid)
        XCTAssertEqual(hit.givenName, "Ada")
        XCTAssertEqual(hit.familyName, "Lovelace")
        XCTAssertEqual(hit.status, .accepted)
        XCTAssertEqual(hit.activeGoals, 2)
        XCTAssertEqual(hit.openOnwardReferrals, 1)
        XCTAssertEqual(hit.nextStepDue, day(7))
        XCTAssertLessThan(abs(hit.updatedAt.timeIntervalSinceNow), 300)
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery(text: "943 476")).map(\.personId), [pid])
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery(status: .accepted)).map(\.personId), [pid])
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery()).map(\.personId), [pid])
        XCTAssertTrue(try store.caseloadBlocking(query: CaseloadQuery(text: "zebedee")).isEmpty)
        XCTAssertTrue(try store.caseloadBlocking(query: CaseloadQuery(status: .discharged)).isEmpty)

        let due = try store.dueBlocking(until: day(30))
        XCTAssertEqual(due.filter { $0.kind == .step }.map(\.itemId), [bring])
        XCTAssertTrue(due.allSatisfy { $0.personId == pid })
        XCTAssertTrue(try store.dueBlocking(until: day(90)).contains { $0.kind == .goal && $0.itemId == walking })
        let open = try store.openOnwardReferralsBlocking()
        XCTAssertEqual(open.map(\.referralId), [onward])
        XCTAssertEqual(open.first?.status, .noCapacity)
        XCTAssertEqual(open.first?.personId, pid)

        // The whole record in one call has it all.
        let record = try store.personBlocking(personId: pid)
        XCTAssertEqual(record.personId, pid)
        XCTAssertTrue(record.conflicts.isEmpty, "one device: no concurrent edits")
        let caseRecord = try XCTUnwrap(record.caseRecord, "a link-worker store holds the case")
        let demographics = caseRecord.demographics
        XCTAssertEqual(demographics.givenName, "Ada")
        XCTAssertEqual(demographics.familyName, "Lovelace")
        XCTAssertEqual(demographics.dateOfBirth, ymd(1950, 2, 28))
        XCTAssertEqual(demographics.nhsNumber, "9434765919", "stored without spaces")
        XCTAssertEqual(demographics.preferredContact, .phone)
        XCTAssertFalse(demographics.gpCodesOnly)

        XCTAssertEqual(caseRecord.episodes.count, 1)
        let episode = try XCTUnwrap(caseRecord.episodes.first)
        XCTAssertEqual(episode.status, .accepted)
        XCTAssertEqual(episode.source, .gp)
        XCTAssertEqual(episode.referrer, "Dr Patel")
        XCTAssertEqual(episode.reasons, ["isolated since bereavement"])
        XCTAssertEqual(episode.history.map(\.to), [.contacting, .accepted])
        XCTAssertEqual(episode.history.map(\.from), [.referred, .contacting])
        XCTAssertEqual(episode.history.last?.reason, "keen")
        XCTAssertEqual(episode.received, day(0))
        XCTAssertNotNil(episode.acceptedAt)
        XCTAssertEqual(episode.gpCodes.filter { $0.code == acceptedCode }.count, 1)

        XCTAssertEqual(caseRecord.contactAttempts.map(\.outcome), [.noAnswer, .reached])
        XCTAssertEqual(caseRecord.contactAttempts[1].at, reachedAt, "a Date crosses both ways unchanged")
        XCTAssertEqual(caseRecord.contactAttempts[1].note, "booked a home visit")

        XCTAssertEqual(caseRecord.consultations.count, 1)
        let consultation = try XCTUnwrap(caseRecord.consultations.first)
        XCTAssertEqual(consultation.id, visit)
        XCTAssertEqual(consultation.episodeId, episode.id)
        XCTAssertEqual(consultation.mode, .homeVisit)
        XCTAssertEqual(consultation.durationMinutes, 45)
        XCTAssertEqual(consultation.attendees, ["daughter"])
        XCTAssertEqual(consultation.notes, "Talked about the walking group; daughter present")
        let checkedIn = try XCTUnwrap(consultation.checkedInAt, "checked in")
        let checkedOut = try XCTUnwrap(consultation.checkedOutAt, "checked out")
        XCTAssertGreaterThanOrEqual(checkedOut, checkedIn)
        XCTAssertLessThan(abs(consultation.start.timeIntervalSinceNow), 300)

        XCTAssertEqual(caseRecord.consents.count, 1)
        let consent = try XCTUnwrap(caseRecord.consents.first)
        XCTAssertEqual(consent.decision, .given)
        XCTAssertEqual(consent.method, .verbal)
        XCTAssertEqual(consent.capacity, .hasCapacity)
        XCTAssertEqual(consent.recipient, "Citizens Advice")
        XCTAssertEqual(consent.expires, day(365))
        XCTAssertNil(consent.supersedes)

        XCTAssertEqual(caseRecord.onwardReferrals.count, 1)
        let referral = try XCTUnwrap(caseRecord.onwardReferrals.first)
        XCTAssertEqual(referral.status, .noCapacity)
        XCTAssertEqual(referral.history.map(\.note), ["waitlisted for six weeks"])
        XCTAssertEqual(referral.history.first?.from, .sent)
        XCTAssertEqual(referral.history.first?.to, .noCapacity)
        XCTAssertEqual(caseRecord.flags.map(\.kind), [.risk])
        XCTAssertNil(caseRecord.flags.first?.resolvedAt)
        XCTAssertEqual(caseRecord.notes.map(\.text), ["First home visit went well"])

        let plan = record.plan
        XCTAssertEqual(plan.personId, pid)
        XCTAssertEqual(plan.whatMatters, "Getting out of the house and seeing people again")
        XCTAssertEqual(Set(plan.needs.map(\.need)), [.loneliness, .debt])
        XCTAssertEqual(plan.needs.first { $0.need == .loneliness }?.note, "since her husband died")
        XCTAssertEqual(plan.reviewDate, day(90))
        let goal = try XCTUnwrap(plan.goals.first { $0.id == walking })
        XCTAssertEqual(goal.status, .active)
        XCTAssertEqual(goal.needs, [.loneliness])
        XCTAssertEqual(goal.progress.map(\.rating), [3, 6])
        XCTAssertEqual(goal.progress.map(\.note), ["went once", nil])
        XCTAssertEqual(goal.targetDate, day(60))
        XCTAssertEqual(plan.steps.count, 2)
        XCTAssertEqual(plan.steps.filter { $0.doneAt != nil }.map(\.id), [call])
        XCTAssertEqual(plan.steps.first { $0.id == call }?.doneBy, "sam.worker")
        XCTAssertEqual(plan.steps.first { $0.id == bring }?.goalId, bills)

        XCTAssertEqual(plan.measures.count, 1)
        let measure = try XCTUnwrap(plan.measures.first)
        XCTAssertEqual(measure.instrument, .ons4)
        XCTAssertEqual(measure.answers, [4, 6, 5, 7])
        XCTAssertEqual(measure.mode, .readOut)
        guard case let .ons4(items) = try scored(measure.outcome) else {
            return XCTFail("expected an ONS4 score, got \(String(describing: measure.outcome))")
        }
        XCTAssertEqual(items.map(\.item), [.lifeSatisfaction, .worthwhile, .happiness, .anxiety])
        XCTAssertEqual(items.map(\.value), [4, 6, 5, 7])
        XCTAssertEqual(items.first { $0.item == .lifeSatisfaction }?.band, .low)
        XCTAssertEqual(items.first { $0.item == .anxiety }?.band, .high)
        // planBlocking(personId:) is the document as every device holds it: no episode ids (those come
        // from the case, in personBlocking(personId:)).
        XCTAssertEqual(try store.planBlocking(personId: pid), withoutEpisodes(plan), "planBlocking(personId:) is the record's plan")
        XCTAssertTrue(plan.goals.allSatisfy { $0.episodeId != nil })

        // History lists every action, by user, oldest first.
        let history = try store.historyBlocking(personId: pid)
        XCTAssertTrue(history.allSatisfy { $0.user == "sam.worker" })
        let actions = Set(history.map(\.action))
        for action in [
            "person.add", "episode.transition", "contact.add", "plan.what-matters", "need.add",
            "goal.add", "goal.progress", "step.add", "step.done", "consultation.add",
            "visit.check-in", "visit.check-out", "consent.record", "onward.add",
            "onward.transition", "measure.record", "flag.raise", "note.edit",
        ] {
            XCTAssertTrue(actions.contains(action), "history lacks \(action): \(actions.sorted())")
        }
        XCTAssertEqual(history.map(\.at), history.map(\.at).sorted(), "oldest first")
        XCTAssertTrue(history.contains { $0.action == "goal.progress" && $0.itemId == walking })
        XCTAssertTrue(history.contains { $0.document == .plan })
        XCTAssertTrue(history.contains { $0.document == .case })
    }

    func testDemographicsUpdateSetsAndClearsFields() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        try store.updateDemographicsBlocking(
            personId: pid, update: DemographicsUpdate(familyName: "King", email: "ada@example.org", gpCodesOnly: true)
        )
        var demographics = try XCTUnwrap(try store.personBlocking(personId: pid).caseRecord).demographics
        XCTAssertEqual(demographics.email, "ada@example.org")
        XCTAssertEqual(demographics.familyName, "King")
        XCTAssertTrue(demographics.gpCodesOnly)
        XCTAssertEqual(demographics.phone, "07700 900123", "fields not named are unchanged")

        try store.updateDemographicsBlocking(personId: pid, update: DemographicsUpdate(clear: [.email, .nhsNumber]))
        demographics = try XCTUnwrap(try store.personBlocking(personId: pid).caseRecord).demographics
        XCTAssertNil(demographics.email)
        XCTAssertNil(demographics.nhsNumber)
        XCTAssertEqual(demographics.familyName, "King")
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery(text: "king")).map(\.personId), [pid])

        assertInvalidInput(
            try store.updateDemographicsBlocking(personId: pid, update: DemographicsUpdate(phone: "0", clear: [.phone])),
            field: "phone"
        )
    }

    func testStoreMaintenanceCalls() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        for n in 0..<5 {
            _ = try store.addCaseNoteBlocking(personId: pid, text: "Note \(n)")
        }
        let before = try store.storageSizesBlocking()
        XCTAssertGreaterThan(before.snapshotBytes + before.changeBytes, 0)
        try store.compactBlocking()
        try store.rebuildProjectionsBlocking()
        let after = try store.storageSizesBlocking()
        XCTAssertGreaterThan(after.snapshotBytes, 0)
        XCTAssertLessThanOrEqual(after.changeRows, before.changeRows)
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery(text: "lovelace")).map(\.personId), [pid])
        XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.notes.count, 5)
    }
}
