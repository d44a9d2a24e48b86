import Foundation
import LinkWork

/// One question of a questionnaire screen.
public struct Question: Identifiable, Equatable, Sendable {
    /// Its position, 0-based (answers are stored in this order).
    public let id: Int
    /// The question or statement.
    public let text: String
    /// The choices, in the published order.
    public let choices: [Choice]
}

/// One choice of a question.
public struct Choice: Identifiable, Equatable, Sendable {
    /// The stored value.
    public let id: Int64
    /// What the person reads.
    public let label: String
}

/// What the result screen shows after answering.
public struct QuestionnaireResult: Equatable, Sendable {
    /// The score, one line per reported quantity (ONS4: each item with its band, no total;
    /// SWEMWBS: the metric score).
    public let lines: [String]
    /// Change since the person's first (baseline) answers, when there are earlier answers.
    public let changeLines: [String]
}

/// A questionnaire the person answers themselves: ONS4 personal wellbeing or SWEMWBS, from
/// the instrument's definition (questions and choices come from the core). The answers are
/// stored raw and scored by the core; the first answers of an instrument are the baseline,
/// later ones reviews (the link worker records the follow-up when support ends).
@MainActor
public final class QuestionnaireModel: ObservableModel {
    /// The questionnaires the patient app offers.
    public static let offered: [Instrument] = [.ons4, .swemwbs]

    /// The title of a questionnaire, for the list of questionnaires.
    public nonisolated static func title(of instrument: Instrument) -> String {
        instrumentDefinition(instrument: instrument).title
    }

    /// Observers of this model.
    public let changes = ModelChanges()
    /// Which questionnaire.
    public let instrument: Instrument
    /// Its title.
    public let title: String
    /// "Over the last two weeks", when the instrument states a recall period.
    public let recallPeriod: String?
    /// The questions in answer order.
    public let questions: [Question]

    /// One answer per question, nil while unanswered.
    public private(set) var answers: [Int64?] { didSet { changes.send() } }
    /// Whether the answers are being saved.
    public private(set) var isSubmitting = false { didSet { changes.send() } }
    /// The result, once submitted.
    public private(set) var result: QuestionnaireResult? { didSet { changes.send() } }
    /// Why the last submission failed, if it did.
    public private(set) var message: UserMessage? { didSet { changes.send() } }

    private unowned let patient: PatientModel

    init(patient: PatientModel, instrument: Instrument) {
        self.patient = patient
        self.instrument = instrument
        let definition = instrumentDefinition(instrument: instrument) // pure: does not block
        title = definition.title
        recallPeriod = definition.recallPeriod
        questions = definition.items.enumerated().map { index, item in
            Question(id: index, text: item.text,
                     choices: item.options.map { Choice(id: $0.value, label: $0.label) })
        }
        answers = Array(repeating: nil, count: definition.items.count)
    }

    /// Chooses `value` for question `index` (ignored when it is not one of its choices).
    public func answer(_ index: Int, _ value: Int64) {
        guard questions.indices.contains(index), questions[index].choices.contains(where: { $0.id == value }) else { return }
        answers[index] = value
    }

    /// What the screen says above the questions, e.g. "Over the last 2 weeks", when the
    /// instrument states a recall period.
    public var instructions: String? {
        guard let recall = recallPeriod, let first = recall.first else { return nil }
        return first.uppercased() + recall.dropFirst()
    }

    /// "3 of 7 answered".
    public var progress: String {
        "\(answers.compactMap { $0 }.count) of \(questions.count) answered"
    }

    /// Whether every question is answered and nothing is being saved (incomplete answers are
    /// never scored, so the app asks for all of them).
    public var canSubmit: Bool {
        !isSubmitting && result == nil && patient.plan != nil && !answers.contains(nil)
    }

    /// Baseline for the first answers of this instrument, review afterwards.
    public var timepoint: Timepoint {
        earlierResponses.isEmpty ? .baseline : .review
    }

    /// Earlier answers of this instrument, one line each: "21 Nov 2026 · Wellbeing score: 23.21".
    public var history: [String] {
        earlierResponses.reversed().map { response in
            "\(Formatting.day(response.recordedAt)) · " + Formatting.scoreLines(response.outcome).joined(separator: "; ")
        }
    }

    /// Stores the answers and shows the score. Returns true on success.
    @discardableResult
    public func submit() async -> Bool {
        guard canSubmit else { return false }
        isSubmitting = true
        defer { isSubmitting = false }
        let (store, instrument, answers, timepoint) = (patient.store, instrument, answers, timepoint)
        message = await patient.perform {
            try await store.recordMeasure(instrument, answers: answers, timepoint: timepoint)
        }
        guard message == nil else { return false }
        let responses = allResponses
        guard let latest = responses.last else { return false }
        var changeLines: [String] = []
        if responses.count > 1, let first = responses.first,
           case let .scored(baseline)? = first.outcome, case let .scored(now)? = latest.outcome,
           let change = measureChange(instrument: instrument, baseline: baseline, followUp: now) {
            changeLines = Formatting.changeLines(change)
        }
        result = QuestionnaireResult(lines: Formatting.scoreLines(latest.outcome), changeLines: changeLines)
        return true
    }

    private var allResponses: [MeasureResponse] {
        (patient.plan?.measures ?? []).filter { $0.instrument == instrument }
    }

    private var earlierResponses: [MeasureResponse] {
        result == nil ? allResponses : Array(allResponses.dropLast())
    }
}
