import LinkWork
import PatientKit
import SwiftUI

/// The questionnaires the person may answer (ONS4, SWEMWBS).
struct QuestionnairesView: View {
    let patient: PatientModel

    var body: some View {
        List(QuestionnaireModel.offered, id: \.self) { instrument in
            NavigationLink(value: instrument) {
                Text(QuestionnaireModel.title(of: instrument))
            }
        }
        .navigationTitle("How I feel")
        .navigationDestination(for: Instrument.self) { instrument in
            QuestionnaireView(questionnaire: patient.questionnaire(instrument))
        }
    }
}

/// One questionnaire: a question per section, the choices as buttons, then the result.
struct QuestionnaireView: View {
    @ViewModel var questionnaire: QuestionnaireModel

    var body: some View {
        Form {
            if let result = questionnaire.result {
                Section("Your answers") { ForEach(result.lines, id: \.self) { Text($0) } }
                if !result.changeLines.isEmpty {
                    Section("Since your first answers") { ForEach(result.changeLines, id: \.self) { Text($0) } }
                }
            } else {
                if let instructions = questionnaire.instructions {
                    Text(instructions).foregroundStyle(.secondary)
                }
                ForEach(questionnaire.questions) { question in
                    Section(question.text) {
                        Picker(question.text, selection: answer(question.id)) {
                            ForEach(question.choices) { choice in
                                Text(choice.label).tag(Int64?.some(choice.id))
                            }
                        }
                        .pickerStyle(.inline)
                        .labelsHidden()
                    }
                }
                if let message = questionnaire.message {
                    MessageView(message: message)
                }
                Section {
                    Button("Save my answers") { Task { await questionnaire.submit() } }
                        .disabled(!questionnaire.canSubmit)
                } footer: {
                    Text(questionnaire.progress)
                }
            }
            if !questionnaire.history.isEmpty {
                Section("Earlier") { ForEach(questionnaire.history, id: \.self) { Text($0) } }
            }
        }
        .navigationTitle(questionnaire.title)
        .navigationBarTitleDisplayMode(.inline)
    }

    private func answer(_ index: Int) -> Binding<Int64?> {
        Binding(get: { questionnaire.answers[index] },
                set: { value in if let value { questionnaire.answer(index, value) } })
    }
}
