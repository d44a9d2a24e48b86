// ONS4 and SWEMWBS answered on the phone: questions from the core's definitions, complete
// answers only, scores as the domain reports them, baseline then review, change since baseline.
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

final class QuestionnaireTests: PatientKitTestCase {
    func testOns4ReportsEachItemWithItsBandAndNoTotal() async throws {
        let patient = try await fixture.paired()
        let ons4 = patient.questionnaire(.ons4)
        XCTAssertEqual(QuestionnaireModel.offered, [.ons4, .swemwbs])
        XCTAssertEqual(QuestionnaireModel.title(of: .ons4), ons4.title)
        XCTAssertEqual(ons4.questions.count, 4)
        XCTAssertEqual(ons4.questions.first?.choices.map(\.id), Array(0...10))
        XCTAssertEqual(ons4.timepoint, .baseline)
        XCTAssertEqual(ons4.progress, "0 of 4 answered")

        for (index, value) in [6, 7, 9, 4].enumerated() { ons4.answer(index, Int64(value)) }
        ons4.answer(3, 11) // not a choice: ignored
        ons4.answer(7, 1)  // no such question: ignored
        XCTAssertEqual(ons4.answers, [6, 7, 9, 4])
        XCTAssertEqual(ons4.progress, "4 of 4 answered")
        XCTAssertTrue(ons4.canSubmit)

        let submitted = await ons4.submit()
        XCTAssertTrue(submitted)
        XCTAssertFalse(ons4.canSubmit, "answered once per screen")
        XCTAssertEqual(ons4.result, QuestionnaireResult(lines: [
            "Life satisfaction: 6 out of 10 (medium)",
            "Things you do are worthwhile: 7 out of 10 (high)",
            "Happiness yesterday: 9 out of 10 (very high)",
            "Anxiety yesterday: 4 out of 10 (medium)",
        ], changeLines: []))

        // The second time is a review, shown against the baseline (lower anxiety is better).
        let again = patient.questionnaire(.ons4)
        XCTAssertEqual(again.timepoint, .review)
        XCTAssertEqual(again.history.count, 1)
        for (index, value) in [8, 7, 9, 2].enumerated() { again.answer(index, Int64(value)) }
        let resubmitted = await again.submit()
        XCTAssertTrue(resubmitted)
        XCTAssertEqual(again.result?.changeLines, [
            "Life satisfaction: 6 → 8, better",
            "Things you do are worthwhile: 7 → 7, the same",
            "Happiness yesterday: 9 → 9, the same",
            "Anxiety yesterday: 4 → 2, better",
        ])

        await patient.sync.sync()
        let stored = try fixture.worker.planBlocking(personId: fixture.personId).measures
        XCTAssertEqual(stored.map(\.timepoint), [.baseline, .review])
        XCTAssertEqual(stored.map(\.mode), [.selfCompleted, .selfCompleted])
        XCTAssertEqual(stored.map(\.recordedBy), ["Ada", "Ada"])
        XCTAssertEqual(stored.first?.answers, [6, 7, 9, 4])
    }

    func testSwemwbsShowsTheMetricScoreNotTheRawSum() async throws {
        let patient = try await fixture.paired()
        let swemwbs = patient.questionnaire(.swemwbs)
        XCTAssertEqual(swemwbs.questions.count, 7)
        XCTAssertEqual(swemwbs.questions.first?.choices.map(\.id), [1, 2, 3, 4, 5])
        XCTAssertEqual(swemwbs.instructions?.first?.isUppercase, true)
        XCTAssertEqual(swemwbs.instructions?.lowercased(), swemwbs.recallPeriod?.lowercased())
        for index in 0..<6 { swemwbs.answer(index, 4) }
        XCTAssertFalse(swemwbs.canSubmit, "incomplete answers are never scored, so all are needed")
        swemwbs.answer(6, 2) // raw 26 -> metric 23.21
        let submitted = await swemwbs.submit()
        XCTAssertTrue(submitted)
        XCTAssertEqual(swemwbs.result?.lines, ["Wellbeing score: 23.21 (from 7 to 35)"])
        XCTAssertEqual(patient.questionnaire(.swemwbs).history.count, 1)
    }
}
