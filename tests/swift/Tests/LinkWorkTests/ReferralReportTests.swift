// The commissioner's period report through the Swift API: reporting fields, suppressed counts
// as nil, HTML and CSV. Referrals to directory services, outcomes and deadlines are tested in
// Rust (tests/tests/integration/onward_directory.rs).
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
