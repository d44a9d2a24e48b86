// Outcome measures: the pure functions (no store) for scoring, definitions and paired change,
// and an ONS4 response recorded in a store with its score. The scoring rules are tested in Rust
// (core/src/measures).
import Foundation
import XCTest
import LinkWork

final class MeasureTests: LinkWorkTestCase {
    func testScoreMeasureScoresReportsIncompleteAndRefusesBadAnswers() throws {
        guard case let .ons4(items) = try scored(try scoreMeasure(instrument: .ons4, answers: [8, 9, 7, 2])) else {
            return XCTFail("expected an ONS4 score")
        }
        XCTAssertEqual(items.map(\.band), [.high, .veryHigh, .high, .low])
        XCTAssertEqual(items.map(\.item), [.lifeSatisfaction, .worthwhile, .happiness, .anxiety])

        XCTAssertEqual(
            try scoreMeasure(instrument: .wemwbs, answers: Array(repeating: 3, count: 14)),
            .scored(score: .wemwbs(total: 42))
        )
        guard case let .swemwbs(raw, metric) = try scored(try scoreMeasure(
            instrument: .swemwbs, answers: Array(repeating: 3, count: 7)
        )) else {
            return XCTFail("expected a SWEMWBS score")
        }
        XCTAssertEqual(raw, 21)
        XCTAssertGreaterThan(metric, 0)
        XCTAssertEqual(
            try scoreMeasure(instrument: .mycaw, answers: [5, nil, 4]),
            .scored(score: .mycaw(concerns: [5], wellbeing: 4))
        )

        // Incomplete answers are reported as such, never prorated.
        XCTAssertEqual(try scoreMeasure(instrument: .ons4, answers: [8, nil, 7, nil]), .incomplete(missing: [1, 3]))

        assertInvalidInput(try scoreMeasure(instrument: .ons4, answers: [8]), field: "answers")
        assertInvalidInput(try scoreMeasure(instrument: .ucla3, answers: [1, 2, 4]), field: "answers")
        assertInvalidInput(try scoreMeasure(instrument: .pam, answers: []), field: "instrument")
    }

    func testInstrumentDefinitionsAndPairedChange() throws {
        let ons4 = instrumentDefinition(instrument: .ons4)
        XCTAssertEqual(ons4.instrument, .ons4)
        XCTAssertFalse(ons4.title.isEmpty)
        XCTAssertFalse(ons4.licenceNote.isEmpty)
        XCTAssertEqual(ons4.items.count, 4)
        XCTAssertTrue(ons4.items.allSatisfy { $0.min == 0 && $0.max == 10 && $0.options.count == 11 })
        XCTAssertEqual(ons4.items.last?.lowerIsBetter, true, "anxiety: lower is better")
        XCTAssertEqual(instrumentDefinition(instrument: .wemwbs).items.count, 14)
        XCTAssertTrue(instrumentDefinition(instrument: .pam).items.isEmpty)
        XCTAssertEqual(instrumentDefinition(instrument: .mycaw).items[1].required, false)

        let baseline = try scored(try scoreMeasure(instrument: .ons4, answers: [4, 5, 4, 8]))
        let followUp = try scored(try scoreMeasure(instrument: .ons4, answers: [7, 7, 6, 3]))
        let change = try XCTUnwrap(measureChange(instrument: .ons4, baseline: baseline, followUp: followUp))
        XCTAssertEqual(change.count, 4)
        XCTAssertTrue(change.allSatisfy { $0.improved == true })
        let anxiety = try XCTUnwrap(change.first { $0.name == "anxiety" })
        XCTAssertTrue(anxiety.lowerIsBetter)
        XCTAssertEqual(anxiety.baseline, 8)
        XCTAssertEqual(anxiety.followUp, 3)
        XCTAssertEqual(anxiety.difference, -5.0)
        XCTAssertEqual(anxiety.convention, .followUpMinusBaseline)
        XCTAssertNil(measureChange(instrument: .wemwbs, baseline: baseline, followUp: followUp),
                     "scores of another instrument")
    }

    func testRecordedOns4MeasureCarriesItsScore() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        let at = wholeSecondsAgo(600)
        let id = try store.recordMeasureBlocking(
            personId: pid,
            response: NewMeasureResponse(instrument: .ons4, timepoint: .baseline, mode: .selfCompleted,
                                         answers: [4, 6, 5, 7], recordedAt: at)
        )
        _ = try store.recordMeasureBlocking(
            personId: pid,
            response: NewMeasureResponse(instrument: .ons4, timepoint: .review, mode: .readOut,
                                         answers: [7, nil, 6, 3])
        )

        let measures = try store.planBlocking(personId: pid).measures
        XCTAssertEqual(measures.count, 2)
        let baseline = try XCTUnwrap(measures.first { $0.id == id })
        XCTAssertEqual(baseline.timepoint, .baseline)
        XCTAssertEqual(baseline.recordedAt, at)
        XCTAssertEqual(baseline.recordedBy, "sam.worker")
        XCTAssertFalse(baseline.version.isEmpty)
        XCTAssertEqual(
            baseline.outcome,
            try scoreMeasure(instrument: .ons4, answers: [4, 6, 5, 7]),
            "the stored score is the one scoreMeasure gives"
        )
        guard case let .ons4(items) = try scored(baseline.outcome) else {
            return XCTFail("expected an ONS4 score")
        }
        XCTAssertEqual(items.map(\.value), [4, 6, 5, 7])
        XCTAssertEqual(items.map(\.band), [.low, .medium, .medium, .high])

        let review = try XCTUnwrap(measures.first { $0.id != id })
        XCTAssertEqual(review.answers, [7, nil, 6, 3], "stored as answered, gaps included")
        XCTAssertEqual(review.outcome, .incomplete(missing: [1]))
    }
}
