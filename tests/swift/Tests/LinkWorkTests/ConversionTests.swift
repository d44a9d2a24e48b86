// How values cross the boundary, as a Swift developer meets them: ids are UUID text (Swift's
// uppercase `uuidString` is accepted, ids come back lowercase), instants are `Date` stored at
// millisecond precision, calendar dates are `YYYY-MM-DD` text.
import Foundation
import XCTest
import LinkWork

final class ConversionTests: LinkWorkTestCase {
    func testIdsAcceptSwiftsUppercaseUUIDsAndComeBackLowercase() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertEqual(pid, pid.lowercased())
        let uuid = try XCTUnwrap(UUID(uuidString: pid))
        // `uuid.uuidString` is uppercase; the store takes it and answers with the canonical id.
        XCTAssertEqual(try store.personBlocking(personId: uuid.uuidString).personId, pid)

        let own = UUID()
        let patient = try LinkWorkStore.createBlocking(
            path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: own.uuidString
        )
        let stored = try XCTUnwrap(patient.info().personId)
        XCTAssertNotEqual(stored, own.uuidString, "compare ids as UUIDs, not as text")
        XCTAssertEqual(UUID(uuidString: stored), own)

        let unknown = UUID()
        let notFound = assertNotFound(try store.personBlocking(personId: unknown.uuidString), kind: "person")
        XCTAssertEqual(notFound.flatMap { UUID(uuidString: $0.id) }, unknown)
    }

    func testInstantsCrossAsDatesAtMillisecondPrecision() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        let precise = Date(timeIntervalSince1970: 1_780_000_000.123_456_7)
        let wholeMillis = Date(timeIntervalSince1970: 1_780_000_000.25)
        let beforeEpoch = Date(timeIntervalSince1970: -1.5)
        var ids: [String] = []
        for at in [precise, wholeMillis, beforeEpoch] {
            ids.append(try store.recordContactAttemptBlocking(
                personId: pid, attempt: NewContactAttempt(channel: .letter, outcome: .sent, at: at)
            ))
        }
        let attempts = try XCTUnwrap(try store.personBlocking(personId: pid).caseRecord).contactAttempts
        let back = try ids.map { id in try XCTUnwrap(attempts.first { $0.id == id }).at }
        XCTAssertEqual(back[0].timeIntervalSince1970, precise.timeIntervalSince1970, accuracy: 0.001,
                       "sub-millisecond digits are dropped")
        XCTAssertNotEqual(back[0], precise, "so a Date with finer digits does not come back equal")
        XCTAssertEqual(back[1], wholeMillis, "whole milliseconds cross exactly")
        XCTAssertEqual(back[2], beforeEpoch, "instants before 1970 cross too")

        // Defaulted instants are "now".
        let visit = try store.addConsultationBlocking(personId: pid, consultation: NewConsultation(mode: .venue))
        let start = try XCTUnwrap(try store.personBlocking(personId: pid).caseRecord?.consultations.first { $0.id == visit }).start
        XCTAssertLessThan(abs(start.timeIntervalSinceNow), 60)
    }

    func testCalendarDatesAreDateComponents() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson(dob: ymd(1950, 2, 28)))
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery()).first?.dateOfBirth, ymd(1950, 2, 28))
        // A leap day is a date; the 29th of February 2027 is not, nor a date missing its day.
        // Dates are refused while lifted (core's NaiveDate type): field `date`, nothing stored.
        let leap = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Leap", targetDate: ymd(2028, 2, 29)))
        assertInvalidInput(try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "x", targetDate: ymd(2027, 2, 29))),
                           field: "date")
        assertInvalidInput(try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "x", targetDate: DateComponents(year: 2027, month: 1))),
                           field: "date")
        assertInvalidInput(try store.addStepBlocking(personId: pid, step: NewStep(text: "x", owner: .person, due: ymd(2027, 13, 1))),
                           field: "date")
        assertInvalidInput(try store.dueBlocking(until: DateComponents()), field: "date")
        XCTAssertEqual(try store.planBlocking(personId: pid).goals.map(\.targetDate), [ymd(2028, 2, 29)])
        // Arguments and hand-written records carry the same type.
        try store.setReviewDateBlocking(personId: pid, date: ymd(2028, 3, 1))
        try store.updateGoalBlocking(goalId: leap, update: GoalUpdate(targetDate: ymd(2030, 1, 31)))
        let plan = try store.planBlocking(personId: pid)
        XCTAssertEqual(plan.reviewDate, ymd(2028, 3, 1))
        XCTAssertEqual(plan.goals.first?.targetDate, ymd(2030, 1, 31))
        XCTAssertEqual(try store.dueBlocking(until: ymd(2030, 1, 31)).map(\.itemId), [leap])
        XCTAssertTrue(try store.dueBlocking(until: ymd(2030, 1, 30)).isEmpty)
    }
}
