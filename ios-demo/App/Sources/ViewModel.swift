import Combine
import PatientKit
import SwiftUI

/// Holds a PatientKit model in a view and redraws the view whenever the model announces a
/// change. PatientKit models announce changes through `ModelChanges` (it works on Linux too,
/// where the logic is tested; see PatientKit/Observing.swift); this wrapper is the only bridge
/// to SwiftUI. `$model.field` gives a `Binding` to a settable property of the model.
@MainActor
@propertyWrapper
struct ViewModel<Model: ObservableModel>: DynamicProperty {
    @StateObject private var box: Box

    /// Keeps the model for the life of the view: like `@StateObject`, `wrappedValue` is
    /// evaluated once, when the view first appears, not each time its parent redraws.
    init(wrappedValue: @autoclosure @escaping () -> Model) {
        _box = StateObject(wrappedValue: Box(wrappedValue()))
    }

    var wrappedValue: Model { box.model }

    var projectedValue: Bindings { Bindings(model: box.model) }

    /// Bindings to the model's settable properties.
    @dynamicMemberLookup
    struct Bindings {
        let model: Model

        subscript<Value>(dynamicMember keyPath: ReferenceWritableKeyPath<Model, Value>) -> Binding<Value> {
            Binding(get: { model[keyPath: keyPath] }, set: { model[keyPath: keyPath] = $0 })
        }
    }

    /// Turns the model's change notifications into SwiftUI's.
    @MainActor
    final class Box: ObservableObject {
        let model: Model
        private var token: ObservationToken?

        init(_ model: Model) {
            self.model = model
            token = model.changes.observe { [weak self] in self?.objectWillChange.send() }
        }
    }
}
