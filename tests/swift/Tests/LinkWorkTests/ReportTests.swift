// Reports crossing the boundary: paired change (PersonChange) and the message back to the GP
// (GpMessage with its nested records and enums). The report logic itself is tested in Rust
// (tests/tests/integration/reports_*.rs, fhir_export.rs).
import Foundation
import XCTest
import LinkWork

/// Noon UTC, `days` after the ISO date `date`.
/// The ISO date `date` as the API's calendar date.
func isoDate(_ date: String) -> DateComponents {
    let parts = date.split(separator: "-").map { Int($0)! }
    return ymd(parts[0], parts[1], parts[2])
}

/// Noon UTC, `days` after the calendar date `date`.
func noon(_ date: DateComponents, _ days: Int = 0) -> Date {
    noon(String(format: "%04ld-%02ld-%02ld", date.year!, date.month!, date.day!), days)
}

func noon(_ date: String, _ days: Int = 0) -> Date {
    let parts = date.split(separator: "-").map { Int($0)! }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let base = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))!
    return calendar.date(byAdding: .day, value: days, to: base)!
}

private func response(_ instrument: Instrument, _ timepoint: Timepoint, _ answers: [Int64?], at: Date,
                     concernLabels: [String] = []) -> NewMeasureResponse {
    NewMeasureResponse(instrument: instrument, timepoint: timepoint, mode: .selfCompleted, answers: answers,
                       concernLabels: concernLabels, recordedAt: at)
}

private let acceptedCode = "871731000000106"
private let snomed = "http://snomed.info/sct"

final class ReportTests: LinkWorkTestCase {
    // MARK: paired change

    /// Records an ONS4, a MYCaW and an incomplete UCLA 3 pair for `pid`, days before now.
    private func recordPairs(_ store: LinkWorkStore, _ pid: String) throws {
        let start = wholeSecondsAgo(30 * 86400)
        func at(_ days: Int) -> Date { start.addingTimeInterval(TimeInterval(days * 86400)) }
        // ONS4: a later baseline and an interim review never pair; the latest follow-up does.
        let ons4Responses: [(Timepoint, [Int64?], Int)] = [
            (.baseline, [4, 5, 4, 8], 0), (.baseline, [9, 9, 9, 0], 1), (.review, [10, 10, 10, 0], 10),
            (.followUp, [6, 6, 6, 5], 20), (.followUp, [7, 5, 6, 3], 25),
        ]
        for (timepoint, answers, day) in ons4Responses {
            _ = try store.recordMeasureBlocking(personId: pid, response: response(.ons4, timepoint, answers, at: at(day)))
        }
        // MYCaW (lower is better; difference = baseline - follow-up): one concern.
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.mycaw, .baseline, [5, nil, 4], at: at(0),
                                                                     concernLabels: ["sleep"]))
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.mycaw, .followUp, [2, nil, 4], at: at(25),
                                                                     concernLabels: ["sleep"]))
        // UCLA 3: the follow-up is incomplete, so it is stored but never paired (nor prorated).
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.ucla3, .baseline, [3, 3, 2], at: at(0)))
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.ucla3, .followUp, [1, nil, 1], at: at(25)))
    }

    func testPairedChangeAfterRecordedMeasuresIsDirectionAware() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertTrue(try store.pairedChangeBlocking(personId: pid).isEmpty, "no measures, no pairs")
        try recordPairs(store, pid)
        let ucla = try XCTUnwrap(try store.planBlocking(personId: pid).measures.first {
            $0.instrument == .ucla3 && $0.timepoint == .followUp
        })
        guard case .incomplete = ucla.outcome else { return XCTFail("expected incomplete, got \(String(describing: ucla.outcome))") }

        let changes = try store.pairedChangeBlocking(personId: pid)
        XCTAssertEqual(changes.map(\.instrument).reduce(into: [Instrument]()) { if !$0.contains($1) { $0.append($1) } },
                       [.ons4, .mycaw])
        let ons4 = changes.filter { $0.instrument == .ons4 }
        XCTAssertEqual(ons4.map(\.quantity), ["life-satisfaction", "worthwhile", "happiness", "anxiety"])
        func row(_ q: String) throws -> PersonChange { try XCTUnwrap(ons4.first { $0.quantity == q }) }

        let life = try row("life-satisfaction")
        XCTAssertEqual([life.baseline, life.followUp, life.difference], [4, 7, 3])
        XCTAssertEqual(life.improved, true)
        XCTAssertFalse(life.lowerIsBetter)
        let worthwhile = try row("worthwhile")
        XCTAssertNil(worthwhile.improved, "unchanged: 5 -> 5")
        XCTAssertEqual(worthwhile.difference, 0)
        // Anxiety: lower is better, so 8 -> 3 is a negative difference and an improvement.
        let anxiety = try row("anxiety")
        XCTAssertTrue(anxiety.lowerIsBetter)
        XCTAssertEqual(anxiety.convention, .followUpMinusBaseline)
        XCTAssertEqual([anxiety.baseline, anxiety.followUp, anxiety.difference], [8, 3, -5])
        XCTAssertEqual(anxiety.improved, true)
        XCTAssertLessThan(anxiety.baselineAt, anxiety.followUpAt)

        // Earliest baseline and latest follow-up: the same two responses for every item.
        let recorded = try store.planBlocking(personId: pid).measures.filter { $0.instrument == .ons4 }
            .sorted { $0.recordedAt < $1.recordedAt }
        XCTAssertEqual(Set(ons4.map(\.baselineResponse)), [recorded.first!.id])
        XCTAssertEqual(Set(ons4.map(\.followUpResponse)), [recorded.last!.id])
        XCTAssertEqual(recorded.last?.timepoint, .followUp)

        let mycaw = changes.filter { $0.instrument == .mycaw }
        XCTAssertEqual(mycaw.map(\.quantity), ["concern-1", "wellbeing"])
        XCTAssertEqual(mycaw[0].convention, .baselineMinusFollowUp)
        XCTAssertEqual(mycaw[0].difference, 3, "5 -> 2: positive is better")
        XCTAssertEqual(mycaw[0].improved, true)
        XCTAssertNil(mycaw[1].improved)

        assertInvalidInput(try store.pairedChangeBlocking(personId: "not-an-id"), field: "person_id")
        assertNotFound(try store.pairedChangeBlocking(personId: "00000000-0000-4000-8000-000000000000"))
    }

    /// A person with most of a record: the GP message has something to summarise.
    private func fullRecord(_ store: LinkWorkStore) throws -> String {
        let pid = try store.addPersonBlocking(person: newPerson())
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted))
        try store.setWhatMattersBlocking(personId: pid, text: "Getting out again")
        try store.addNeedBlocking(personId: pid, need: .loneliness)
        _ = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group", needs: [.loneliness]))
        _ = try store.recordConsentBlocking(personId: pid, consent: NewConsent(
            purpose: "walking group referral", recipient: "Ramblers", recipientOrg: "LOCAL-RAMBLERS",
            decision: .given, method: .verbal,
            capacity: .hasCapacity
        ))
        let onward = try store.addOnwardReferralBlocking(
            personId: pid, referral: NewOnwardReferral(service: "Walking group", need: "loneliness")
        )
        try store.transitionOnwardReferralBlocking(referralId: onward, to: .noCapacity)
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.swemwbs, .baseline, Array(repeating: 3, count: 7),
                                                                     at: Date().addingTimeInterval(-86400)))
        _ = try store.addConsultationBlocking(personId: pid, consultation: NewConsultation(mode: .homeVisit))
        return pid
    }

    // MARK: GP message

    func testGpMessageCodesAndSummaryCodesOnlyAndWrongEvent() throws {
        let store = try linkWorkerStore()
        let pid = try fullRecord(store)
        // ONS4 pair for the summary's measure change.
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.ons4, .baseline, [4, 5, 4, 8], at: noon(day(-20))))
        _ = try store.recordMeasureBlocking(personId: pid, response: response(.ons4, .followUp, [7, 7, 6, 3], at: noon(day(-1))))

        let message = try store.gpMessageBlocking(personId: pid, event: .accepted)
        XCTAssertEqual(message.event, .accepted)
        XCTAssertEqual(message.codes.count, 1)
        let code = try XCTUnwrap(message.codes.first)
        XCTAssertEqual(code.system, snomed)
        XCTAssertEqual(code.code, acceptedCode)
        XCTAssertFalse(code.display.trimmingCharacters(in: .whitespaces).isEmpty)
        XCTAssertEqual(code.date, day(0))
        XCTAssertEqual(message.date, day(0))
        XCTAssertEqual(message.linkWorker, "sam.worker")
        XCTAssertEqual(message.episodeId, try store.personBlocking(personId: pid).caseRecord?.episodes.first?.id)
        XCTAssertEqual(message.patient.personId, pid)
        XCTAssertEqual(message.patient.nhsNumber, "9434765919")
        XCTAssertEqual(message.patient.dateOfBirth, ymd(1950, 2, 28))
        XCTAssertFalse(message.codesOnly)
        let summary = try XCTUnwrap(message.summary)
        XCTAssertEqual(summary.referralReceived, day(0))
        XCTAssertEqual(summary.needs, [.loneliness])
        XCTAssertEqual(summary.goals, [GpGoal(text: "Join a walking group", status: .active)])
        XCTAssertEqual(summary.onwardReferrals.count, 1)
        XCTAssertEqual(summary.onwardReferrals.first?.status, .noCapacity)
        XCTAssertEqual(summary.onwardReferrals.first?.unmetNeed, true)
        XCTAssertEqual(summary.consultations, 1)
        XCTAssertNil(summary.dischargeReason)
        XCTAssertEqual(summary.measureChange.first { $0.quantity == "anxiety" }?.difference, -5)

        // The person asked that the GP get codes only: same codes, no summary.
        try store.updateDemographicsBlocking(personId: pid, update: DemographicsUpdate(gpCodesOnly: true))
        let codesOnly = try store.gpMessageBlocking(personId: pid, event: .accepted)
        XCTAssertTrue(codesOnly.codesOnly)
        XCTAssertNil(codesOnly.summary)
        XCTAssertEqual(codesOnly.codes, message.codes)

        // An event the episode is not in is a Conflict; after discharge it fits.
        assertConflict(try store.gpMessageBlocking(personId: pid, event: .declined))
        assertConflict(try store.gpMessageBlocking(personId: pid, event: .discharged))
        try store.updateDemographicsBlocking(personId: pid, update: DemographicsUpdate(gpCodesOnly: false))
        _ = try store.transitionEpisodeBlocking(personId: pid,
                                        transition: EpisodeTransition(to: .discharged, dischargeReason: .goalsMet))
        let discharged = try store.gpMessageBlocking(personId: pid, event: .discharged)
        XCTAssertTrue(discharged.codes.contains { $0.code == acceptedCode })
        XCTAssertEqual(discharged.summary?.dischargeReason, .goalsMet)

        // A declined referral: its own code.
        let other = try store.addPersonBlocking(person: newPerson(given: "Bo", nhs: nil))
        assertConflict(try store.gpMessageBlocking(personId: other, event: .accepted))
        _ = try store.transitionEpisodeBlocking(personId: other, transition: EpisodeTransition(to: .declined))
        XCTAssertEqual(try store.gpMessageBlocking(personId: other, event: .declined).codes.map(\.code), ["871711000000103"])
    }
}
