package org.linkwork.demo.app.ui

import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.linkwork.demo.person.PersonViewModel

/** A person's plan, goals with progress, steps, consultations and measures. */
@Composable
fun PersonScreen(vm: PersonViewModel, onVisit: () -> Unit, onPair: () -> Unit, onBack: () -> Unit) {
    val s by vm.state.collectAsStateWithLifecycle()
    DemoScaffold(title = s.name, onBack = onBack, actions = { UnsyncedBadge(s.unsynced) }) { modifier ->
        LazyColumn(modifier) {
            item {
                if (s.loading) LinearProgressIndicator()
                MessageCard(s.message, vm::dismissMessage)
                if (s.gone) Text("This person is no longer on this device.")
            }
            item {
                Section(s.status) {
                    s.whatMatters?.let { Text("What matters: $it") }
                    if (s.needs.isNotEmpty()) Text("Needs: ${s.needs.joinToString()}")
                    s.reviewDate?.let { Text("Review by $it") }
                    if (s.conflicts > 0) Text("${s.conflicts} fields changed on two devices: see Sync", color = MaterialTheme.colorScheme.error)
                    Button(onClick = onVisit) { Text("Home visit") }
                    Button(onClick = onPair) { Text("Pair their phone") }
                }
            }
            item {
                Section("Goals") {
                    s.goals.forEach { g ->
                        Text("${g.text} (${g.status})", style = MaterialTheme.typography.bodyLarge)
                        Text("Progress: " + (g.ratings.joinToString(" → ").ifEmpty { "none yet" }) + (g.targetDate?.let { " · target $it" } ?: ""))
                        g.latestRating?.let { rating -> LinearProgressIndicator(progress = { rating / 10f }) }
                    }
                }
            }
            item {
                Section("Steps") {
                    s.steps.forEach { st ->
                        Row(verticalAlignment = Alignment.CenterVertically) {
                            Checkbox(checked = st.done, onCheckedChange = { vm.toggleStep(st.id) })
                            Text(
                                "${st.text} · ${st.owner}" + (st.due?.let { " · due $it" } ?: ""),
                                color = if (st.overdue) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
                            )
                        }
                    }
                }
            }
            item {
                Section("Consultations") {
                    s.consultations.forEach { c ->
                        val safety = when {
                            c.visitOpen -> " · checked in, not out"
                            c.checkedOut -> " · checked out"
                            else -> ""
                        }
                        Text("${c.start} · ${c.mode}" + (c.durationMinutes?.let { " · $it min" } ?: "") + safety)
                    }
                }
            }
            item {
                Section("Measures") {
                    s.changes.forEach { c ->
                        Text("${c.instrument} ${c.quantity}: ${c.baseline} → ${c.latest} (${c.difference}, ${c.direction})")
                    }
                    s.measures.forEach { m -> Text("${m.recorded} · ${m.instrument} ${m.timepoint}: ${m.score}", style = MaterialTheme.typography.bodySmall) }
                }
            }
        }
    }
}
