// Clinical safety through the Swift API: consent withheld lists in the GP message and the FHIR
// export, coded consent recipients, coded decline reasons, consent to contact before
// acceptance, episodes on items and per-episode paired change, refused pairs, and the
// commissioner's suppressed CSV.
import Foundation
import XCTest
import LinkWork

final class ClinicalSafetyTests: LinkWorkTestCase {
    private func consent(_ purpose: String, _ name: String, _ org: String, _ decision: ConsentDecision) -> NewConsent {
        NewConsent(
            purpose: purpose, recipient: name, recipientOrg: org, decision: decision, method: .verbal,
            capacity: .hasCapacity
        )
    }

    private func measure(_ instrument: Instrument, _ timepoint: Timepoint, _ answers: [Int64?], daysAgo: Double) -> NewMeasureResponse {
        NewMeasureResponse(
            instrument: instrument, timepoint: timepoint, mode: .selfCompleted, answers: answers,
            recordedAt: wholeSecondsAgo(daysAgo * 86_400)
        )
    }

    private func accepted(_ store: LinkWorkStore, _ given: String = "Ada") throws -> String {
        let pid = try store.addPersonBlocking(person: newPerson(given: given, nhs: nil))
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted))
        return pid
    }

    func testWithdrawnGpConsentIsListedAsWithheld() throws {
        let store = try linkWorkerStore()
        let pid = try accepted(store)
        _ = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        XCTAssertTrue(try store.gpMessageBlocking(personId: pid, event: .accepted).withheld.isEmpty)

        _ = try store.recordConsentBlocking(personId: pid, consent: consent("gp-summary", "Riverside Surgery", "Y12345", .withdrawn))
        let message = try store.gpMessageBlocking(personId: pid, event: .accepted)
        XCTAssertNil(message.summary)
        XCTAssertEqual(message.codes.count, 1)
        let goals = try XCTUnwrap(message.withheld.first { $0.what == "goals" })
        XCTAssertEqual(goals.reason, .consentWithdrawn)
        XCTAssertEqual(goals.since, day(0))
        let today = day(0)
        XCTAssertEqual(goals.text, "goals — consent for gp-summary withdrawn on " + String(format: "%04ld-%02ld-%02ld", today.year!, today.month!, today.day!))

        let export = try store.fhirExportBlocking(personId: pid, includeCaseData: true)
        XCTAssertTrue(export.withheld.contains { $0.what == "goals" })
        XCTAssertFalse(export.json.contains("\"Goal\""))
        XCTAssertFalse(try store.exportFhirBlocking(personId: pid, includeCaseData: false).contains("Join a walking group"))
    }

    func testConsentRecipientsAreCodedAndMatchIgnoringCase() throws {
        let store = try linkWorkerStore()
        let pid = try accepted(store)
        let given = try store.recordConsentBlocking(personId: pid, consent: consent("debt support", "Citizens Advice", "LOCAL-CAB", .given))
        _ = try store.recordConsentBlocking(personId: pid, consent: consent("Debt  Support", "citizens advice", "local-cab", .withdrawn))
        let records = try XCTUnwrap(store.personBlocking(personId: pid).caseRecord).consents
        let last = try XCTUnwrap(records.first { $0.id != given })
        XCTAssertEqual(last.supersedes, given)
        XCTAssertEqual(last.recipientOrg, "LOCAL-CAB")
        XCTAssertTrue(last.recipientConfirmed)
        assertInvalidInput(
            try store.recordConsentBlocking(personId: pid, consent: consent("debt support", "CAB", "has spaces", .given)),
            field: "recipient_org"
        )
    }

    func testDeclineCarriesItsCodedReasonIntoFhir() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson(nhs: nil))
        _ = try store.transitionEpisodeBlocking(
            personId: pid,
            transition: EpisodeTransition(to: .declined, declineReason: .needsMetElsewhere, reason: "sees a counsellor")
        )
        let episode = try XCTUnwrap(store.personBlocking(personId: pid).caseRecord?.episodes.first)
        XCTAssertEqual(episode.declineReason, .needsMetElsewhere)
        let json = try store.exportFhirBlocking(personId: pid, includeCaseData: true)
        XCTAssertTrue(json.contains("871711000000103"))
        XCTAssertTrue(json.contains("needs-met-elsewhere"))
        assertInvalidInput(
            try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .contacting, redirectReason: .other)),
            field: "redirect_reason"
        )
    }

    func testAcceptanceNeedsConsentToContactAndUnableToContactAnAttempt() throws {
        let store = try linkWorkerStore()
        var person = newPerson(nhs: nil)
        person.referral = NewReferral()
        let pid = try store.addPersonBlocking(person: person)
        assertInvalidInput(
            try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted)),
            field: "consent_to_contact"
        )
        XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.episodes.first?.status, .referred)
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted, consentToContact: true))
        XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.episodes.first?.consentToContact, true)

        let other = try store.addPersonBlocking(person: newPerson(given: "Bo", nhs: nil))
        _ = try store.transitionEpisodeBlocking(personId: other, transition: EpisodeTransition(to: .contacting))
        assertInvalidInput(
            try store.transitionEpisodeBlocking(personId: other, transition: EpisodeTransition(to: .unableToContact)),
            field: "status"
        )
        _ = try store.recordContactAttemptBlocking(personId: other, attempt: NewContactAttempt(channel: .phone, outcome: .noAnswer))
        _ = try store.transitionEpisodeBlocking(personId: other, transition: EpisodeTransition(to: .unableToContact))
    }

    func testItemsCarryTheirEpisodeAndASecondEpisodeReportsOnlyItsOwn() throws {
        let store = try linkWorkerStore()
        let pid = try accepted(store)
        let oldGoal = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "old goal"))
        _ = try store.recordMeasureBlocking(personId: pid, response: measure(.ucla3, .baseline, [3, 3, 3], daysAgo: 20))
        _ = try store.recordMeasureBlocking(personId: pid, response: measure(.ucla3, .followUp, [1, 1, 1], daysAgo: 10))
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .discharged, dischargeReason: .goalsMet))
        let first = try XCTUnwrap(store.personBlocking(personId: pid).caseRecord?.episodes.first?.id)
        let second = try store.openEpisodeBlocking(personId: pid, referral: NewReferral(consentToContact: true))
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted))
        let newGoal = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "new goal"))

        let plan = try store.personBlocking(personId: pid).plan
        XCTAssertEqual(plan.goals.first { $0.id == oldGoal }?.episodeId, first)
        XCTAssertEqual(plan.goals.first { $0.id == newGoal }?.episodeId, second)
        XCTAssertTrue(plan.measures.allSatisfy { $0.episodeId == first })
        let summary = try XCTUnwrap(store.gpMessageBlocking(personId: pid, event: .accepted).summary)
        XCTAssertEqual(summary.goals.map(\.text), ["new goal"])
        XCTAssertTrue(summary.measureChange.isEmpty)
        XCTAssertTrue(try store.pairedChangeBlocking(personId: pid).isEmpty)
        XCTAssertEqual(try store.pairedChangeInEpisodeBlocking(personId: pid, episodeId: first).count, 1)
        assertNotFound(try store.pairedChangeInEpisodeBlocking(personId: pid, episodeId: "00000000-0000-4000-8000-000000000000"))
    }

    func testAFollowUpBeforeItsBaselineIsRefusedWithTheReason() throws {
        let store = try linkWorkerStore()
        let pid = try accepted(store)
        _ = try store.recordMeasureBlocking(personId: pid, response: measure(.ucla3, .followUp, [1, 1, 1], daysAgo: 9))
        _ = try store.recordMeasureBlocking(personId: pid, response: measure(.ucla3, .baseline, [3, 3, 3], daysAgo: 1))
        XCTAssertTrue(try store.pairedChangeBlocking(personId: pid).isEmpty)
        XCTAssertEqual(
            try store.refusedPairsBlocking(personId: pid, episodeId: nil),
            [RefusedPair(instrument: .ucla3, reason: .followUpBeforeBaseline)]
        )
    }

    func testTheCommissionerCsvSuppressesSmallNumbers() throws {
        let store = try linkWorkerStore()
        _ = try accepted(store)
        let plain = try store.writeReportCsvBlocking(dir: dir.path("plain"))
        let suppressed = try store.writeCommissionerReportCsvBlocking(dir: dir.path("commissioner"), threshold: 5)
        XCTAssertEqual(plain.map { URL(fileURLWithPath: $0).lastPathComponent },
                       suppressed.map { URL(fileURLWithPath: $0).lastPathComponent })
        let outcomes = try String(contentsOfFile: XCTUnwrap(suppressed.first { $0.hasSuffix("outcomes.csv") }), encoding: .utf8)
        XCTAssertTrue(outcomes.contains("referral-outcome,accepted,*\r\n"), outcomes)
        let plainOutcomes = try String(contentsOfFile: XCTUnwrap(plain.first { $0.hasSuffix("outcomes.csv") }), encoding: .utf8)
        XCTAssertTrue(plainOutcomes.contains("referral-outcome,accepted,1\r\n"), plainOutcomes)
    }

    func testAnOnwardReferralSharesContactDetailsOnlyWithConsent() throws {
        let store = try linkWorkerStore()
        let pid = try accepted(store)
        let referral = try store.addOnwardReferralBlocking(
            personId: pid,
            referral: NewOnwardReferral(service: "Debt advice drop-in", organisation: "Citizens Advice", need: "debt")
        )
        let without = try store.onwardMessageBlocking(referralId: referral)
        XCTAssertNil(without.phone)
        XCTAssertNil(without.givenName)
        XCTAssertEqual(without.withheld.map(\.reason), [.noConsent])
        XCTAssertEqual(without.withheld.first?.text, "contact-details — no consent in force to share with Citizens Advice")
        let consentId = try store.recordConsentBlocking(personId: pid, consent: consent("debt support", "citizens advice", "LOCAL-CAB", .given))
        let with = try store.onwardMessageBlocking(referralId: referral)
        XCTAssertEqual(with.consentId, consentId)
        XCTAssertEqual(with.phone, "07700 900123")
        XCTAssertTrue(with.withheld.isEmpty)
    }
}
