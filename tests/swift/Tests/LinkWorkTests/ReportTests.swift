// Reports and exports: paired change after recording measures, the caseload report on a
// generated caseload (counts computed here, independently), its CSV files, the FHIR R4 export
// (parsed with JSONSerialization), the message back to the GP, and what a patient's own store
// may not do.
import Foundation
import XCTest
import LinkWork

// The vocabularies in declaration order (uniffi enums are not CaseIterable).
let allReferralSources: [ReferralSource] = [
    .gp, .practiceNurse, .practiceStaff, .council, .hospital, .police, .vcse, .otherProfessional, .selfReferral,
]
let allEpisodeStatuses: [EpisodeStatus] = [
    .referred, .contacting, .accepted, .declined, .unableToContact, .redirected, .onHold, .discharged,
]
let allNeeds: [Need] = [
    .loneliness, .debt, .housing, .bereavement, .employment, .benefits, .mentalWellbeing, .physicalActivity,
    .carerSupport, .food, .digitalExclusion, .other,
]
let allConsultationModes: [ConsultationMode] = [.homeVisit, .phone, .video, .venue]
let allOnwardStatuses: [OnwardStatus] = [
    .sent, .acknowledged, .accepted, .noCapacity, .notEligible, .couldNotContact, .attending, .gotHelp,
    .couldNotGetHelp, .leftEarly, .noLongerInterested,
]

/// The core's code of an enum value (`.selfReferral` -> `self-referral`), as report keys use.
func code<E>(_ value: E) -> String {
    var out = ""
    for ch in String(describing: value) {
        if ch.isUppercase {
            out += "-" + ch.lowercased()
        } else {
            out.append(ch)
        }
    }
    return out
}

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

/// Report counts as `key=count` text, in report order.
private func rows(_ counts: [Count]) -> [String] {
    counts.map { "\($0.key)=\($0.count)" }
}

/// Expected `key=count` rows: every value of `all` in order, counted in `keys`.
private func tally<E: Equatable>(_ all: [E], _ keys: [E]) -> [String] {
    all.map { e in "\(code(e))=\(keys.filter { $0 == e }.count)" }
}

private let acceptedCode = "871731000000106"
private let snomed = "http://snomed.info/sct"
private let nhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

/// One generated person: one referral and what happened to it. Days count from `received`.
private struct Spec {
    var source: ReferralSource?
    var received: String
    var path: [EpisodeStatus]
    var needs: [Need] = []
    var attempts: [(ContactOutcome, Int)] = []
    var consultations: [(ConsultationMode, Int)] = []
    var onward: [(String, [OnwardStatus])] = []
    /// ONS4 anxiety at baseline and follow-up (the other items fixed at 5).
    var anxiety: (Int64, Int64?)?
}

private let generatedCaseload: [Spec] = [
    Spec(source: .gp, received: "2024-01-05", path: [.contacting, .accepted], needs: [.loneliness, .debt],
         attempts: [(.noAnswer, 1), (.reached, 3)], consultations: [(.homeVisit, 6), (.phone, 20)],
         onward: [("Walking group", [.accepted, .attending])], anxiety: (8, 3)),
    Spec(source: .gp, received: "2024-01-20", path: [.accepted], needs: [.loneliness],
         attempts: [(.reached, 1)], consultations: [(.video, 4)],
         onward: [("Debt advice", [.noCapacity])], anxiety: (5, 5)), // unmet need now
    Spec(source: .selfReferral, received: "2024-01-28", path: [.contacting, .unableToContact],
         attempts: [(.noAnswer, 1), (.leftMessage, 2)]),
    Spec(source: .council, received: "2024-02-02", path: [.declined], needs: [.housing], attempts: [(.reached, 2)]),
    Spec(source: .gp, received: "2024-02-10", path: [.contacting, .accepted, .discharged],
         needs: [.mentalWellbeing, .loneliness], attempts: [(.reached, 5)],
         consultations: [(.homeVisit, 7), (.homeVisit, 14), (.venue, 21)],
         onward: [("Walking group", [.accepted, .attending, .gotHelp])], anxiety: (4, 6)),
    Spec(source: .vcse, received: "2024-02-14", path: [.redirected]),
    Spec(source: nil, received: "2024-02-20", path: [], needs: [.food], anxiety: (7, nil)), // no follow-up
    Spec(source: .gp, received: "2024-03-01", path: [.contacting, .onHold], attempts: [(.reached, 0)],
         consultations: [(.phone, 2)]),
    Spec(source: .selfReferral, received: "2024-03-03", path: [.onHold, .discharged]),
    Spec(source: .gp, received: "2024-03-09", path: [.accepted, .onHold, .accepted], needs: [.debt, .benefits],
         attempts: [(.reached, 7)], consultations: [(.phone, 9)],
         onward: [("Debt advice", [.acknowledged]), ("Food bank", [.accepted])]),
    Spec(source: .council, received: "2024-03-15", path: [.contacting, .accepted], needs: [.debt],
         attempts: [(.wrongDetails, 1)], consultations: [(.homeVisit, 4)], // first contact by a visit
         onward: [("Debt advice", [.noCapacity, .accepted])]),
    Spec(source: .gp, received: "2024-03-20", path: [.contacting, .declined], attempts: [(.reached, 2)]),
]

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

    // MARK: the caseload report

    /// Builds the generated caseload on `store`; returns the person ids in spec order.
    @discardableResult
    private func generate(_ store: LinkWorkStore) throws -> [String] {
        try generatedCaseload.enumerated().map { i, s in
            let pid = try store.addPersonBlocking(person: NewPerson(
                givenName: "Person\(i)", familyName: "Test", nhsNumber: nil,
                referral: NewReferral(source: s.source, received: isoDate(s.received), consentToContact: true)
            ))
            for need in s.needs { try store.addNeedBlocking(personId: pid, need: need) }
            for (outcome, days) in s.attempts {
                _ = try store.recordContactAttemptBlocking(
                    personId: pid, attempt: NewContactAttempt(channel: .phone, outcome: outcome, at: noon(s.received, days))
                )
            }
            for (mode, days) in s.consultations {
                _ = try store.addConsultationBlocking(
                    personId: pid,
                    consultation: NewConsultation(mode: mode, start: noon(s.received, days), durationMinutes: 30)
                )
            }
            for (service, statuses) in s.onward {
                let id = try store.addOnwardReferralBlocking(personId: pid, referral: NewOnwardReferral(service: service))
                for to in statuses { try store.transitionOnwardReferralBlocking(referralId: id, to: to) }
            }
            for to in s.path {
                _ = try store.transitionEpisodeBlocking(
                    personId: pid, transition: EpisodeTransition(to: to, dischargeReason: to == .discharged ? .goalsMet : nil)
                )
            }
            if let anxiety = s.anxiety {
                let (before, after) = anxiety
                _ = try store.recordMeasureBlocking(personId: pid,
                                            response: response(.ons4, .baseline, [5, 5, 5, before], at: noon(s.received, 1)))
                if let after {
                    _ = try store.recordMeasureBlocking(personId: pid,
                                                response: response(.ons4, .followUp, [5, 5, 5, after], at: noon(s.received, 30)))
                }
            }
            return pid
        }
    }

    private func referralOutcome(_ path: [EpisodeStatus]) -> String {
        if path.contains(.accepted) { return "accepted" }
        switch path.last {
        case nil, .contacting?, .onHold?, .referred?: return "pending"
        case .discharged?: return "discharged-before-acceptance"
        case let last?: return code(last)
        }
    }

    func testCaseloadReportOnAGeneratedCaseloadMatchesCountsComputedHere() throws {
        let store = try linkWorkerStore()
        let empty = try store.caseloadReportBlocking()
        XCTAssertEqual(empty.people, 0)
        XCTAssertEqual(empty.pairedChange.count, 12, "one row per quantity, even with no data")
        XCTAssertNil(empty.timeToFirstContact.meanDays)

        try generate(store)
        let report = try store.caseloadReportBlocking()
        let specs = generatedCaseload
        XCTAssertEqual(report.people, 12)
        XCTAssertEqual(report.referrals, 12)

        // Referrals by source: every source in vocabulary order, then not-recorded.
        XCTAssertEqual(
            rows(report.referralsBySource),
            tally(allReferralSources, specs.compactMap(\.source)) + ["not-recorded=\(specs.filter { $0.source == nil }.count)"]
        )
        let months = Dictionary(grouping: specs, by: { String($0.received.prefix(7)) })
        XCTAssertEqual(rows(report.referralsByMonth), months.keys.sorted().map { "\($0)=\(months[$0]!.count)" })
        XCTAssertEqual(report.referralsByMonth.map(\.key), ["2024-01", "2024-02", "2024-03"])

        // Outcomes: each referral once by outcome, and by current state.
        let outcomes = specs.map { referralOutcome($0.path) }
        XCTAssertEqual(
            rows(report.outcomes.referralOutcome),
            ["accepted", "declined", "unable-to-contact", "redirected", "discharged-before-acceptance", "pending"]
                .map { o in "\(o)=\(outcomes.filter { $0 == o }.count)" }
        )
        XCTAssertEqual([report.outcomes.accepted, report.outcomes.declined, report.outcomes.unableToContact], [5, 2, 1])
        XCTAssertEqual(rows(report.outcomes.byStatus),
                       tally(allEpisodeStatuses, specs.map { $0.path.last ?? .referred }))

        // Needs (people), consultations by mode.
        XCTAssertEqual(rows(report.needs), tally(allNeeds, specs.flatMap { Array(Set($0.needs)) }))
        XCTAssertEqual(report.needs.first { $0.key == "loneliness" }?.count, 3)
        XCTAssertEqual(rows(report.consultationsByMode),
                       tally(allConsultationModes, specs.flatMap { $0.consultations.map(\.0) }))

        // Onward referrals by service (sorted by name), with unmet need.
        let onward = specs.flatMap(\.onward)
        XCTAssertEqual(report.onwardByService.map(\.service), Array(Set(onward.map(\.0))).sorted())
        for row in report.onwardByService {
            let mine = onward.filter { $0.0 == row.service }
            let current = mine.map { $0.1.last ?? .sent }
            XCTAssertEqual(row.total, Int32(mine.count), row.service)
            XCTAssertEqual(rows(row.byStatus), tally(allOnwardStatuses, current), row.service)
            XCTAssertEqual(row.unmetNeed, Int32(current.filter { $0 == .noCapacity }.count), row.service)
            XCTAssertEqual(row.everWaitlisted, Int32(mine.filter { $0.1.contains(.noCapacity) }.count), row.service)
        }
        let debt = try XCTUnwrap(report.onwardByService.first { $0.service == "Debt advice" })
        XCTAssertEqual([debt.total, debt.unmetNeed, debt.everWaitlisted], [3, 1, 2])
        XCTAssertEqual(rows(report.onwardByStatus), tally(allOnwardStatuses, onward.map { $0.1.last ?? .sent }))
        XCTAssertEqual(report.unmetNeed, 1)

        // Time to first contact: the earlier of the first reached attempt and the first
        // consultation, in days from the referral.
        let days = specs.compactMap { s in
            (s.attempts.filter { $0.0 == .reached }.map(\.1) + s.consultations.map(\.1)).min()
        }.sorted()
        XCTAssertEqual(days, [0, 1, 2, 2, 3, 4, 5, 7])
        let ttfc = report.timeToFirstContact
        XCTAssertEqual(ttfc.n, Int32(days.count))
        XCTAssertEqual(ttfc.notContacted, Int32(specs.count - days.count))
        XCTAssertEqual(ttfc.minDays, Int64(days.first!))
        XCTAssertEqual(ttfc.maxDays, Int64(days.last!))
        XCTAssertEqual(try XCTUnwrap(ttfc.meanDays), Double(days.reduce(0, +)) / Double(days.count), accuracy: 1e-9)
        XCTAssertEqual(ttfc.medianDays, Double(days[3] + days[4]) / 2)

        // Paired change: one row per quantity; ONS4 anxiety over the three complete pairs.
        XCTAssertEqual(report.pairedChange.count, 12)
        let pairs = specs.compactMap { s -> Double? in
            guard let anxiety = s.anxiety, let followUp = anxiety.1 else { return nil }
            return Double(followUp - anxiety.0)
        }.sorted()
        let anxiety = try XCTUnwrap(report.pairedChange.first { $0.instrument == .ons4 && $0.quantity == "anxiety" })
        XCTAssertTrue(anxiety.lowerIsBetter)
        XCTAssertEqual(anxiety.n, Int32(pairs.count))
        XCTAssertEqual(try XCTUnwrap(anxiety.meanChange), pairs.reduce(0, +) / Double(pairs.count), accuracy: 1e-9)
        XCTAssertEqual([anxiety.improved, anxiety.same, anxiety.worse], [1, 1, 1])
        XCTAssertEqual(anxiety.min, pairs.first)
        XCTAssertEqual(anxiety.median, pairs[1])
        XCTAssertEqual(anxiety.max, pairs.last)
        XCTAssertEqual(try XCTUnwrap(anxiety.meanBaseline), 17.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(anxiety.meanFollowUp), 14.0 / 3, accuracy: 1e-9)
        let happiness = try XCTUnwrap(report.pairedChange.first { $0.quantity == "happiness" })
        XCTAssertEqual(happiness.n, 3)
        XCTAssertEqual(happiness.meanChange, 0)
        XCTAssertEqual(happiness.same, 3)
        let wemwbs = try XCTUnwrap(report.pairedChange.first { $0.instrument == .wemwbs })
        XCTAssertEqual(wemwbs.n, 0)
        XCTAssertNil(wemwbs.meanChange)
    }

    // MARK: CSV

    private let csvHeaders: [(String, String)] = [
        ("referrals_by_source.csv", "source,referrals"),
        ("referrals_by_month.csv", "month,referrals"),
        ("outcomes.csv", "basis,outcome,referrals"),
        ("needs.csv", "need,people"),
        ("consultations_by_mode.csv", "mode,consultations"),
        ("onward_by_service.csv",
         "service,total," + allOnwardStatuses.map { code($0) }.joined(separator: ",") + ",unmet_need,ever_waitlisted"),
        ("time_to_first_contact.csv", "n,median_days,mean_days,min_days,max_days,not_contacted"),
        ("paired_change.csv",
         "instrument,quantity,lower_is_better,difference,n,mean_change,mean_baseline,mean_follow_up," +
             "improved,same,worse,min,median,max,meaningful_threshold,meaningfully_improved," +
             "meaningfully_worse,often_always_baseline,often_always_follow_up"),
    ]

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\r\n")
    }

    func testWriteReportCsvWritesEveryTableWithItsHeader() throws {
        let store = try linkWorkerStore()
        try generate(store)
        let out = dir.path("exports/report") // created on demand
        let written = try store.writeReportCsvBlocking(dir: out)
        XCTAssertEqual(written, csvHeaders.map { out + "/" + $0.0 })
        for (name, header) in csvHeaders {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            XCTAssertTrue(text.hasSuffix("\r\n"), "\(name): CRLF line endings")
            let rows = text.dropLast(2).components(separatedBy: "\r\n")
            XCTAssertEqual(rows.first, header, name)
            XCTAssertGreaterThan(rows.count, 1, "\(name) has rows")
        }
        let needs = try lines(out + "/needs.csv")
        XCTAssertTrue(needs.contains("loneliness,3"))
        let onward = try lines(out + "/onward_by_service.csv")
        XCTAssertEqual(onward.dropFirst().filter { !$0.isEmpty }.map { String($0.prefix { $0 != "," }) },
                       ["Debt advice", "Food bank", "Walking group"])
        XCTAssertTrue(try XCTUnwrap(onward.first { $0.hasPrefix("Debt advice,") }).hasSuffix(",1,2"),
                      "unmet need 1, ever waitlisted 2")
        XCTAssertTrue(try lines(out + "/paired_change.csv")
            .contains { $0.hasPrefix("ons4,anxiety,true,follow-up-minus-baseline,3,") }, "anxiety row")

        // Written again into the same directory: replaced, not appended.
        _ = try store.writeReportCsvBlocking(dir: out)
        XCTAssertEqual(try lines(out + "/needs.csv"), needs)

        // An unwritable target (a file where the directory should be) is a Storage error.
        try "x".write(toFile: dir.path("a-file"), atomically: true, encoding: .utf8)
        assertStorage(try store.writeReportCsvBlocking(dir: dir.path("a-file/sub")))
    }

    // MARK: FHIR

    /// A person with an accepted referral, a plan with a goal, a measure, consent and an onward
    /// referral.
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

    /// The resources of a FHIR Bundle of type `collection`, parsed with JSONSerialization.
    private func resources(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let bundle = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                                   file: file, line: line)
        XCTAssertEqual(bundle["resourceType"] as? String, "Bundle", file: file, line: line)
        XCTAssertEqual(bundle["type"] as? String, "collection", file: file, line: line)
        let entries = try XCTUnwrap(bundle["entry"] as? [[String: Any]], file: file, line: line)
        return try entries.map { entry in
            XCTAssertTrue((entry["fullUrl"] as? String)?.hasPrefix("urn:uuid:") ?? false, file: file, line: line)
            return try XCTUnwrap(entry["resource"] as? [String: Any], file: file, line: line)
        }
    }

    private func contains(_ text: String, resourceType: String) -> Bool {
        text.range(of: "\"resourceType\"\\s*:\\s*\"\(resourceType)\"", options: .regularExpression) != nil
    }

    func testExportFhirIsAnR4BundleThatParsesWithCaseDataOnlyOnRequest() throws {
        let store = try linkWorkerStore()
        let pid = try fullRecord(store)
        let full = try store.exportFhirBlocking(personId: pid, includeCaseData: true)
        XCTAssertTrue(contains(full, resourceType: "Bundle"))
        XCTAssertTrue(full.contains(nhsNumberSystem))
        XCTAssertTrue(full.contains(acceptedCode))

        let all = try resources(full)
        let types = all.compactMap { $0["resourceType"] as? String }
        for t in ["Patient", "EpisodeOfCare", "ServiceRequest", "CarePlan", "Goal", "QuestionnaireResponse",
                  "Observation", "Consent", "Encounter"] {
            XCTAssertTrue(types.contains(t), "bundle lacks \(t): \(types)")
        }
        let patient = try XCTUnwrap(all.first { $0["resourceType"] as? String == "Patient" })
        let identifiers = try XCTUnwrap(patient["identifier"] as? [[String: Any]])
        XCTAssertEqual(identifiers.first { $0["system"] as? String == nhsNumberSystem }?["value"] as? String, "9434765919")
        let codings = all.filter { $0["resourceType"] as? String == "ServiceRequest" }
            .compactMap { ($0["code"] as? [String: Any])?["coding"] as? [[String: Any]] }
            .flatMap { $0 }
        XCTAssertTrue(codings.contains { $0["system"] as? String == snomed && $0["code"] as? String == acceptedCode },
                      "referral coded")
        let ids = all.map { "\($0["resourceType"] as? String ?? "?")/\($0["id"] as? String ?? "?")" }
        XCTAssertEqual(ids.count, Set(ids).count, "ids in the bundle are unique")

        // Without case data: no episode, referral, consent or consultation.
        let minimal = try store.exportFhirBlocking(personId: pid, includeCaseData: false)
        XCTAssertFalse(contains(minimal, resourceType: "Consent"))
        XCTAssertEqual(Set(try resources(minimal).compactMap { $0["resourceType"] as? String }),
                       ["Patient", "CarePlan", "Goal", "QuestionnaireResponse", "Observation"])
        XCTAssertFalse(minimal.contains(acceptedCode))
        XCTAssertTrue(minimal.contains(nhsNumberSystem), "a minimal Patient keeps its identifiers")
        XCTAssertFalse(minimal.contains("07700 900123"), "telecom is case data")

        assertNotFound(try store.exportFhirBlocking(personId: "00000000-0000-4000-8000-000000000000", includeCaseData: false))
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

    // MARK: patient store

    func testPatientStoreOwnPairedChangeAndPlanExportOnly() throws {
        let (pid, plan): (String, Data) = try {
            let worker = try linkWorkerStore()
            let pid = try worker.addPersonBlocking(person: newPerson())
            try recordPairs(worker, pid)
            return (pid, try worker.exportDocumentBlocking(personId: pid, kind: .plan))
        }()
        let phone = try LinkWorkStore.create(path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: pid)
        _ = try phone.importDocumentBlocking(bytes: plan)
        // Their own paired change and a plan-only export are allowed.
        XCTAssertEqual(try phone.pairedChangeBlocking(personId: pid).count, 6)
        let types = try resources(try phone.exportFhirBlocking(personId: pid, includeCaseData: false))
            .compactMap { $0["resourceType"] as? String }
        XCTAssertTrue(types.contains("CarePlan") && !types.contains("Consent"))
        // The caseload report, its CSV, case data and GP messages are the link worker's.
        assertNotPermitted(try phone.caseloadReportBlocking())
        assertNotPermitted(try phone.writeReportCsvBlocking(dir: dir.path("csv")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("csv")), "nothing written")
        assertNotPermitted(try phone.exportFhirBlocking(personId: pid, includeCaseData: true))
        assertNotPermitted(try phone.gpMessageBlocking(personId: pid, event: .accepted))
    }
}
