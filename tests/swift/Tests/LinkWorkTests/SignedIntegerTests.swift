// Integers cross the FFI signed (Int32/Int64): a negative value where core needs a count, size
// or limit is refused with the typed InvalidInput naming the argument, and nothing is stored.
import Foundation
import XCTest
import LinkWork

final class SignedIntegerTests: LinkWorkTestCase {
    func testNegativeValuesAreInvalidInputNamingTheField() throws {
        let s = try linkWorkerStore("a.db", user: "sam.worker")
        let pid = try s.addPersonBlocking(person: newPerson())
        let goal = try s.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let before = try s.personBlocking(personId: pid)

        assertInvalidInput(try s.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: -1)), field: "rating")
        assertInvalidInput(try s.addConsultationBlocking(personId: pid, consultation: NewConsultation(mode: .phone, durationMinutes: -30)),
                           field: "duration_minutes")
        assertInvalidInput(try s.caseloadBlocking(query: CaseloadQuery(limit: -1)), field: "limit")
        assertInvalidInput(try s.historyPageBlocking(personId: pid, page: PageRequest(limit: Int32.min)), field: "limit")
        assertInvalidInput(try s.setReferralResponseDaysBlocking(days: -14), field: "days")
        assertInvalidInput(try s.directorySearchBlocking(query: DirectoryQuery(offset: -1)), field: "offset")
        assertInvalidInput(try s.directorySearchBlocking(query: DirectoryQuery(age: -3)), field: "age")
        assertInvalidInput(try s.periodReportBlocking(from: day(-30), to: day(0), suppressBelow: -5), field: "suppress_below")
        assertInvalidInput(try s.writeCommissionerReportCsvBlocking(dir: dir.path("report"), threshold: -5), field: "threshold")
        assertInvalidInput(try s.pairPatientBlocking(personId: pid, days: -1), field: "days")
        let org = try Organisation.create(name: "Northtown PCN")
        assertInvalidInput(try org.issue(request: s.certificateRequestBlocking(), role: .linkWorker, canErase: false,
                                         canEnrolPatients: false, days: -30), field: "days")
        XCTAssertFalse(s.removeListener(token: -1), "a negative token was never registered")
        let start = try s.syncStartBlocking()
        assertInvalidInput(try start.session.setMaxMessageBytes(bytes: -1), field: "bytes")

        XCTAssertEqual(try s.personBlocking(personId: pid), before, "nothing was stored")
        XCTAssertEqual(try s.referralResponseDaysBlocking(), 14)
        let goals: Int32 = try XCTUnwrap(s.caseloadBlocking(query: CaseloadQuery()).first).activeGoals
        XCTAssertEqual(goals, 1)
    }
}
