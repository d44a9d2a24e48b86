// Each LinkWorkError case as a thrown Swift error, matched by pattern, with the field or kind an
// app acts on, and no patient data in any message.
import Foundation
import XCTest
import LinkWork

final class ErrorTests: LinkWorkTestCase {
    func testNotFoundForAnUnknownId() throws {
        let store = try linkWorkerStore()
        let unknown = UUID().uuidString.lowercased()

        XCTAssertThrowsError(try store.personBlocking(personId: unknown)) { error in
            guard case let LinkWorkError.notFound(kind, id) = error else {
                return XCTFail("expected NotFound, got \(error)")
            }
            XCTAssertEqual(kind, "person")
            XCTAssertEqual(id, unknown)
            XCTAssertEqual(error as? LinkWorkError, .notFound(kind: "person", id: unknown), "Equatable")
            XCTAssertTrue(describe(error as! LinkWorkError).hasPrefix("not found: person"))
        }
        assertNotFound(try store.completeStepBlocking(stepId: unknown), kind: "step")
        assertNotFound(try store.recordProgressBlocking(goalId: unknown, progress: NewProgress(rating: 5)), kind: "goal")
        assertNotFound(try store.checkInBlocking(consultationId: unknown), kind: "consultation")
        assertNotFound(try store.addGoalBlocking(personId: unknown, goal: NewGoal(text: "x")))
        assertNotFound(try store.historyBlocking(personId: unknown))

        let pid = try store.addPersonBlocking(person: newPerson())
        assertNotFound(try store.removeNeedBlocking(personId: pid, need: .housing), kind: "need")
    }

    func testNotFoundCaughtWithDoCatchPattern() throws {
        let store = try linkWorkerStore()
        let unknown = UUID().uuidString.lowercased()
        // The way an app would write it: catch the one case it acts on.
        do {
            _ = try store.planBlocking(personId: unknown)
            XCTFail("plan of an unknown person returned")
        } catch LinkWorkError.notFound(let kind, let id) {
            XCTAssertEqual(kind, "person")
            XCTAssertEqual(id, unknown)
        } catch {
            XCTFail("expected NotFound, got \(error)")
        }
    }

    func testInvalidInputNamesTheField() throws {
        let store = try linkWorkerStore()

        // A bad NHS number (wrong check digit): the field is named, the value never echoed.
        XCTAssertThrowsError(try store.addPersonBlocking(person: newPerson(nhs: "943 476 5918"))) { error in
            guard case let LinkWorkError.invalidInput(field, reason) = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
            XCTAssertEqual(field, "nhs_number")
            XCTAssertFalse(reason.isEmpty)
            for text in [reason, String(describing: error), error.localizedDescription,
                         describe(error as! LinkWorkError)] {
                XCTAssertFalse(text.contains("9434765918") || text.contains("943 476 5918"), text)
                XCTAssertFalse(text.contains("Lovelace") || text.contains("Ada"), text)
            }
        }

        // A day that does not exist (refused while the record is lifted, by core's NaiveDate
        // custom type: field `date`), and a date of birth in the future.
        XCTAssertThrowsError(try store.addPersonBlocking(person: newPerson(dob: ymd(1950, 2, 30)))) { error in
            guard case LinkWorkError.invalidInput(field: "date", reason: _) = error else {
                return XCTFail("expected InvalidInput(date), got \(error)")
            }
        }
        assertInvalidInput(try store.addPersonBlocking(person: newPerson(dob: day(1))), field: "date_of_birth")
        assertInvalidInput(try store.addPersonBlocking(person: newPerson(given: "  ")), field: "given_name")
        XCTAssertTrue(try store.caseloadBlocking(query: CaseloadQuery()).isEmpty, "nothing is stored on error")

        // A rating of 11, and progress with neither rating nor note.
        let pid = try store.addPersonBlocking(person: newPerson())
        let goal = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Walk"))
        XCTAssertThrowsError(try store.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: 11))) { error in
            guard case let LinkWorkError.invalidInput(field, _) = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
            XCTAssertEqual(field, "rating")
        }
        assertInvalidInput(try store.recordProgressBlocking(goalId: goal, progress: NewProgress()), field: "progress")
        XCTAssertTrue(try store.planBlocking(personId: pid).goals.first?.progress.isEmpty ?? false)

        // More malformed dates and ids.
        assertInvalidInput(try store.dueBlocking(until: ymd(2026, 2, 30)), field: "date")
        assertInvalidInput(
            try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Swim", targetDate: ymd(2026, 2, 30))), field: "date"
        )
        assertInvalidInput(try store.setReviewDateBlocking(personId: pid, date: ymd(2026, 13, 1)), field: "date")
        assertInvalidInput(try store.personBlocking(personId: "not-a-uuid"), field: "person_id")
        assertInvalidInput(
            try store.addStepBlocking(personId: pid, step: NewStep(text: "x", owner: .person, goalId: "nope")), field: "id"
        )
        assertInvalidInput(
            try store.addConsultationBlocking(personId: pid, consultation: NewConsultation(mode: .phone, durationMinutes: 0)),
            field: "duration_minutes"
        )
        XCTAssertEqual(try store.planBlocking(personId: pid).goals.count, 1)
    }

    func testInvalidInputForMeasureAnswers() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        let outOfRange = assertInvalidInput(
            try store.recordMeasureBlocking(
                personId: pid,
                response: NewMeasureResponse(instrument: .ons4, timepoint: .baseline, mode: .selfCompleted,
                                             answers: [4, 11, 5, 7])
            ),
            field: "answers"
        )
        XCTAssertFalse(outOfRange?.reason.contains("11") ?? true, "the answer value is not echoed")
        assertInvalidInput(
            try store.recordMeasureBlocking(
                personId: pid,
                response: NewMeasureResponse(instrument: .ons4, timepoint: .baseline, mode: .selfCompleted,
                                             answers: [4, 5])
            ),
            field: "answers"
        )
        assertInvalidInput(
            try store.recordMeasureBlocking(
                personId: pid,
                response: NewMeasureResponse(instrument: .pam, timepoint: .baseline, mode: .selfCompleted,
                                             pam: PamResult(score: 120.0, level: 2, version: "13"))
            ),
            field: "pam"
        )
        XCTAssertTrue(try store.planBlocking(personId: pid).measures.isEmpty)
    }

    func testConflictForIllegalTransitionsAndAnExistingStore() throws {
        let path = dir.path("caseload.db")
        do {
            let store = try LinkWorkStore.createBlocking(path: path, key: .unencrypted, user: "sam.worker", role: .linkWorker)
            let pid = try store.addPersonBlocking(person: newPerson())

            XCTAssertThrowsError(
                try store.transitionEpisodeBlocking(
                    personId: pid, transition: EpisodeTransition(to: .discharged, dischargeReason: .other)
                )
            ) { error in
                guard case let LinkWorkError.conflict(reason) = error else {
                    return XCTFail("expected Conflict, got \(error)")
                }
                XCTAssertTrue(reason.contains("referred") && reason.contains("discharged"), reason)
            }
            XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery()).first?.status, .referred, "state unchanged")

            _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted))
            assertConflict(try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .contacting)))
            let onward = try store.addOnwardReferralBlocking(personId: pid, referral: NewOnwardReferral(service: "Walking group"))
            assertConflict(try store.transitionOnwardReferralBlocking(referralId: onward, to: .gotHelp))
            let step = try store.addStepBlocking(personId: pid, step: NewStep(text: "Call", owner: .linkWorker))
            try store.completeStepBlocking(stepId: step)
            assertConflict(try store.completeStepBlocking(stepId: step))
            let visit = try store.addConsultationBlocking(personId: pid, consultation: NewConsultation(mode: .homeVisit))
            assertConflict(try store.checkOutBlocking(consultationId: visit))
            try store.checkInBlocking(consultationId: visit)
            assertConflict(try store.checkInBlocking(consultationId: visit))
            let phoneCall = try store.addConsultationBlocking(personId: pid, consultation: NewConsultation(mode: .phone))
            assertInvalidInput(try store.checkInBlocking(consultationId: phoneCall))
        }
        // A store is already there.
        assertConflict(try LinkWorkStore.createBlocking(path: path, key: .unencrypted, user: "someone", role: .linkWorker))
    }

    func testNotPermittedOnAPatientStore() throws {
        let pid = UUID().uuidString.lowercased()
        let store = try LinkWorkStore.createBlocking(path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: pid)
        XCTAssertEqual(store.info().role, .patient)
        XCTAssertEqual(store.info().personId, pid)

        XCTAssertThrowsError(try store.addPersonBlocking(person: newPerson())) { error in
            guard case let LinkWorkError.notPermitted(action) = error else {
                return XCTFail("expected NotPermitted, got \(error)")
            }
            XCTAssertFalse(action.trimmingCharacters(in: .whitespaces).isEmpty)
        }
        assertNotPermitted(try store.planBlocking(personId: UUID().uuidString.lowercased()))
        assertNotPermitted(try store.gpCodesBlocking(personId: pid))
        assertNotPermitted(try store.setWhatMattersBlocking(personId: pid, text: "x"))
        assertNotPermitted(try store.addCaseNoteBlocking(personId: pid, text: "x"))

        // A patient store must name its person.
        assertInvalidInput(
            try LinkWorkStore.createBlocking(path: dir.path("phone2.db"), key: .unencrypted, user: "ada", role: .patient), field: "person"
        )
    }

    func testStorageForAFileThatIsNotAStore() throws {
        let text = String(repeating: "this is not a database, just some text\n", count: 100)
        let path = dir.path("notes.txt")
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        XCTAssertThrowsError(try LinkWorkStore.openBlocking(path: path, key: .unencrypted)) { error in
            guard case let LinkWorkError.storage(reason) = error else {
                return XCTFail("expected Storage, got \(error)")
            }
            XCTAssertFalse(reason.isEmpty)
            XCTAssertTrue(describe(error as! LinkWorkError).hasPrefix("storage"))
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text, "left untouched")
        assertStorage(try LinkWorkStore.openBlocking(path: dir.path("missing.db"), key: .unencrypted))
        assertStorage(try LinkWorkStore.openAsBlocking(path: path, key: .unencrypted, user: "jo.colleague"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("missing.db")), "open never creates")
    }

    func testErrorsAreSwiftErrorValues() throws {
        let store = try linkWorkerStore()
        var caught: Error?
        do {
            _ = try store.personBlocking(personId: "nope")
        } catch {
            caught = error
        }
        let error = try XCTUnwrap(caught as? LinkWorkError, "thrown as LinkWorkError")
        guard case let .invalidInput(field, reason) = error else {
            return XCTFail("expected InvalidInput, got \(error)")
        }
        XCTAssertEqual(field, "person_id")
        // Equatable and Hashable: compare whole errors, put them in sets.
        XCTAssertEqual(error, .invalidInput(field: "person_id", reason: reason))
        XCTAssertNotEqual(error, .invalidInput(field: "goal_id", reason: reason))
        let set: Set<LinkWorkError> = [error, error, .conflict(reason: "x")]
        XCTAssertEqual(set.count, 2)
        // LocalizedError: localizedDescription is for logs (it names the case and field).
        XCTAssertTrue(error.localizedDescription.contains("person_id"), error.localizedDescription)
        XCTAssertTrue(error.localizedDescription.contains("invalidInput"), error.localizedDescription)
    }
}
