// Onward referrals to directory services, per-service outcomes, the response deadline in the
// due list, reporting fields and the commissioner's period report through the Swift API.
import Foundation
import XCTest
import LinkWork

final class ReferralReportTests: LinkWorkTestCase {
    private func imported() throws -> LinkWorkStore {
        let store = try linkWorkerStore()
        _ = try store.directoryImportBlocking(feed: Data(directoryFeed.utf8), source: "small.json")
        return store
    }

    private func onward(_ store: LinkWorkStore, _ pid: String) throws -> [OnwardReferral] {
        try XCTUnwrap(try store.personBlocking(personId: pid).caseRecord).onwardReferrals
    }

    func testReferralByServiceIdKeepsIdAndNameAndUnknownIdWritesNothing() throws {
        let store = try imported()
        let pid = try store.addPersonBlocking(person: newPerson())
        let rid = try store.addOnwardReferralToServiceBlocking(personId: pid, serviceId: "svc-lunch", need: "loneliness")
        let o = try XCTUnwrap(try onward(store, pid).first { $0.id == rid })
        XCTAssertEqual(o.serviceId, "svc-lunch")
        XCTAssertEqual(o.service, "Lunch Club")
        XCTAssertEqual(o.organisation, "Chapeltown Community Centre")
        assertNotFound(try store.addOnwardReferralToServiceBlocking(personId: pid, serviceId: "svc-nope", need: nil),
                       kind: "directory service")
        XCTAssertEqual(try onward(store, pid).count, 1)
        let free = try store.addOnwardReferralBlocking(personId: pid, referral: NewOnwardReferral(service: "Allotments"))
        XCTAssertNil(try XCTUnwrap(try onward(store, pid).first { $0.id == free }).serviceId)
    }

    func testOutcomesPerServiceCountTheReferrals() throws {
        let store = try imported()
        let pid = try store.addPersonBlocking(person: newPerson())
        let a = try store.addOnwardReferralToServiceBlocking(personId: pid, serviceId: "svc-lunch", need: nil)
        _ = try store.addOnwardReferralToServiceBlocking(personId: pid, serviceId: "svc-lunch", need: nil)
        try store.transitionOnwardReferralBlocking(referralId: a, to: .noCapacity, note: nil)
        try store.transitionOnwardReferralBlocking(referralId: a, to: .accepted, note: nil)
        try store.transitionOnwardReferralBlocking(referralId: a, to: .attending, note: nil)
        let lunch = try store.outcomesForServiceBlocking(serviceId: "svc-lunch")
        XCTAssertEqual([lunch.referrals, lunch.accepted, lunch.attended, lunch.noCapacity, lunch.awaitingResponse],
                       [2, 1, 1, 1, 1])
        XCTAssertNotNil(lunch.meanWaitDays)
        XCTAssertEqual(try store.serviceOutcomesBlocking().map { $0.serviceId }, ["svc-lunch"])
        XCTAssertEqual(try store.outcomesForServiceBlocking(serviceId: "svc-garden").referrals, 0)
    }

    func testAnUnansweredReferralIsDueAtItsDeadline() throws {
        let store = try imported()
        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertEqual(try store.referralResponseDaysBlocking(), 14)
        let rid = try store.addOnwardReferralToServiceBlocking(personId: pid, serviceId: "svc-lunch", need: nil)
        func onwardDue(_ until: DateComponents) throws -> [DueItem] {
            try store.dueBlocking(until: until).filter { $0.kind == .onwardResponse }
        }
        XCTAssertTrue(try onwardDue(day(13)).isEmpty)
        let due = try onwardDue(day(14))
        XCTAssertEqual(due.map { $0.itemId }, [rid])
        XCTAssertEqual(due.first?.due, day(14))
        try store.setReferralResponseDaysBlocking(days: 2)
        XCTAssertEqual(try onwardDue(day(2)).first?.due, day(2))
        assertInvalidInput(try store.setReferralResponseDaysBlocking(days: 0), field: "days")
        assertInvalidInput(try store.setReferralResponseDaysBlocking(days: 366), field: "days")
        XCTAssertEqual(try store.referralResponseDaysBlocking(), 2)
        try store.transitionOnwardReferralBlocking(referralId: rid, to: .acknowledged, note: nil)
        XCTAssertTrue(try onwardDue(day(400)).isEmpty)
    }

    func testPeriodReportSuppressesAndRendersHtmlAndCsv() throws {
        let store = try linkWorkerStore()
        var people: [String] = []
        for i in 0..<7 {
            let pid = try store.addPersonBlocking(person: newPerson(given: "P\(i)", nhs: nil))
            try store.setReportingFieldsBlocking(personId: pid, fields: ReportingFields(
                sex: i == 0 ? Sex.female : nil,
                ethnicity: .whiteIrish,
                gpPractice: i < 6 ? "b82005" : "B82099"
            ))
            people.append(pid)
        }
        XCTAssertEqual(try store.personBlocking(personId: people[0]).caseRecord?.demographics.reporting.gpPractice, "B82005")
        assertInvalidInput(try store.setReportingFieldsBlocking(personId: people[0], fields: ReportingFields(gpPractice: "B8 2")),
                           field: "gp_practice")
        let report = try store.periodReportBlocking(from: day(-30), to: day(0), suppressBelow: nil)
        XCTAssertEqual(report.suppressionThreshold, 5)
        let practice = try XCTUnwrap(report.tables.first { $0.name == "referrals_by_practice" })
        // 6 and 1: the 1 is suppressed, and the 6 with it, since the total (7) is shown.
        XCTAssertEqual(practice.rows.map { $0.cells }, [[nil], [nil]])
        XCTAssertEqual(practice.totals, [7])
        let ethnicity = try XCTUnwrap(report.tables.first { $0.name == "referrals_by_ethnicity" })
        XCTAssertEqual(ethnicity.rows.first { $0.label == "B" }?.cells, [7])
        assertInvalidInput(try store.periodReportBlocking(from: day(0), to: day(-1), suppressBelow: nil), field: "to")
        assertInvalidInput(try store.periodReportBlocking(from: day(-1), to: day(0), suppressBelow: 1), field: "suppress_below")
        let html = try store.periodReportHtmlBlocking(from: day(-30), to: day(0), suppressBelow: nil)
        XCTAssertTrue(html.contains("<svg") && html.contains("chart-referrals"))
        let files = try store.periodReportCsvBlocking(from: day(-30), to: day(0), suppressBelow: nil, dir: dir.path("csv"))
        XCTAssertTrue(files.contains { $0.hasSuffix("referrals_by_practice.csv") })
        XCTAssertEqual(try String(contentsOfFile: dir.path("csv/referrals_by_practice.csv"), encoding: .utf8),
                       "practice,referrals\r\nB82005,*\r\nB82099,*\r\ntotal,7\r\n")
    }
}
