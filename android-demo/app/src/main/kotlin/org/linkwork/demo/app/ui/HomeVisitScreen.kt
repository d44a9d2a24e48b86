package org.linkwork.demo.app.ui

import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.itemsIndexed
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.linkwork.demo.ui.instrumentName
import org.linkwork.demo.ui.label
import org.linkwork.demo.visit.HomeVisitViewModel
import org.linkwork.demo.visit.MeasureForm
import org.linkwork.demo.visit.ServiceSearchModel
import org.linkwork.demo.visit.VisitPhase

/**
 * Home-visit mode: check-in/out for lone working, quick progress, a quick ONS4 or SWEMWBS, and
 * a search of the offline services directory to refer the person.
 */
@Composable
fun HomeVisitScreen(vm: HomeVisitViewModel, services: ServiceSearchModel, onBack: () -> Unit) {
    val s by vm.state.collectAsStateWithLifecycle()
    var notes by rememberSaveable { mutableStateOf("") }
    DemoScaffold(title = "Visit: ${s.name}", onBack = onBack) { modifier ->
        LazyColumn(modifier) {
            item {
                MessageCard(s.message, vm::dismissMessage)
                Section("Lone working") {
                    when (s.phase) {
                        VisitPhase.NOT_STARTED -> Button(onClick = { vm.start() }, enabled = !s.busy) { Text("Start visit (check in)") }
                        VisitPhase.IN_VISIT -> {
                            Text("Checked in at ${s.checkedInAt} · ${s.minutesIn} min")
                            if (s.overdue) {
                                Text("Past ${s.expectedMinutes} minutes: check out, or call the team", color = MaterialTheme.colorScheme.error)
                            }
                        }
                        VisitPhase.CHECKED_OUT -> Text("Checked out at ${s.checkedOutAt}")
                    }
                }
            }
            if (s.phase == VisitPhase.IN_VISIT) {
                items(s.goals, key = { it.id }) { g ->
                    Section(g.text) {
                        Text("Latest: ${g.latestRating?.let { "$it/10" } ?: "none"}")
                        LazyRow {
                            items((0..10).toList()) { r -> AssistChip(onClick = { vm.recordProgress(g.id, r) }, label = { Text("$r") }) }
                        }
                    }
                }
                item {
                    val form = s.form
                    if (form == null) {
                        Section("Questionnaire") {
                            Row { s.instruments.forEach { i -> OutlinedButton(onClick = { vm.openMeasure(i) }) { Text(instrumentName(i)) } } }
                        }
                    } else {
                        MeasureFormView(form, onAnswer = vm::answer, onSave = { vm.saveMeasure() }, onCancel = vm::cancelMeasure)
                    }
                }
                item { ServiceSearchView(services) }
                item {
                    Section("Check out") {
                        OutlinedTextField(value = notes, onValueChange = { notes = it }, label = { Text("Visit notes") })
                        Button(onClick = { vm.checkOut(notes) }, enabled = !s.busy) { Text("Check out") }
                    }
                }
            }
            item { Section("Saved this visit") { s.saved.forEach { Text(it) } } }
        }
    }
}

/** Search the directory offline; refer with one tap (the referral keeps the service's id). */
@Composable
private fun ServiceSearchView(services: ServiceSearchModel) {
    val s by services.state.collectAsStateWithLifecycle()
    var text by rememberSaveable { mutableStateOf("") }
    Section("Refer to a service") {
        MessageCard(s.message, services::dismissMessage)
        OutlinedTextField(value = text, onValueChange = { text = it }, label = { Text("Search services") })
        Button(onClick = { services.search(text) }, enabled = !s.busy) { Text("Search") }
        s.results.forEach { r ->
            Text("${r.name}${r.organisation?.let { " · $it" } ?: ""}")
            Text(r.outcomes, style = MaterialTheme.typography.bodySmall)
            OutlinedButton(onClick = { services.refer(r.id) }, enabled = !s.busy) { Text("Refer") }
        }
        s.referred.forEach { Text("Referred to $it") }
    }
}

@Composable
private fun MeasureFormView(form: MeasureForm, onAnswer: (Int, Long) -> Unit, onSave: () -> Unit, onCancel: () -> Unit) {
    Section("${instrumentName(form.instrument)} (${label(form.timepoint)})") {
        form.recallPeriod?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        form.items.forEachIndexed { index, item ->
            Text("${index + 1}. ${item.text}")
            LazyRow {
                itemsIndexed(item.options) { _, (value, text) ->
                    FilterChip(selected = item.answer == value, onClick = { onAnswer(index, value) }, label = { Text(text) })
                }
            }
        }
        Text("Score: ${form.preview}", style = MaterialTheme.typography.titleSmall)
        Row {
            Button(onClick = onSave) { Text(if (form.complete) "Save" else "Save as incomplete") }
            OutlinedButton(onClick = onCancel) { Text("Cancel") }
        }
    }
}
