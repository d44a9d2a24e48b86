package org.linkwork.demo.app.ui

import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.linkwork.demo.sync.HubSyncViewModel
import org.linkwork.demo.sync.SyncViewModel

/**
 * Sync with the team hub or a colleague's phone; what merged; conflicts to resolve; the way to
 * enrol with the organisation's `linkwork-hub` ([EnrolScreen]).
 */
@Composable
fun SyncScreen(vm: SyncViewModel, hub: HubSyncViewModel, onEnrol: () -> Unit, onBack: () -> Unit) {
    val s by vm.state.collectAsStateWithLifecycle()
    val h by hub.state.collectAsStateWithLifecycle()
    // Back from the enrol screen: the hub it saved.
    LaunchedEffect(Unit) { hub.refresh() }
    DemoScaffold(title = "Sync", onBack = onBack, actions = { UnsyncedBadge(s.unsyncedTotal) }) { modifier ->
        LazyColumn(modifier) {
            item {
                MessageCard(s.message, vm::dismissMessage)
                s.running?.let { Section("Syncing with $it") { LinearProgressIndicator() } }
                if (s.targets.isNotEmpty()) {
                    Section("Sync with") {
                        s.targets.forEach { t -> Button(onClick = { vm.sync(t.id) }, enabled = s.running == null) { Text(t.label) } }
                    }
                }
                Section("The organisation's team hub") {
                    MessageCard(h.message, hub::dismissMessage)
                    if (h.syncing) LinearProgressIndicator()
                    val address = h.hub
                    if (address == null) {
                        OutlinedButton(onClick = onEnrol, enabled = s.running == null) { Text("Enrol with an invite code") }
                    } else {
                        Text("Enrolled with $address")
                        Button(onClick = { hub.sync() }, enabled = !h.syncing && s.running == null) { Text("Sync with the team hub") }
                    }
                    h.last?.let { r ->
                        Text("Last sync with ${r.hub}, ${r.finishedAt}: ${r.messages} messages, ${r.bytes} bytes")
                        Text("Merged: " + r.merged.joinToString().ifEmpty { "nothing new" })
                        r.directory?.let { Text("Services directory: $it") }
                        if (r.revocationsInstalled) Text("Revoked devices updated.")
                    }
                }
                Section("A colleague's or a person's phone (same Wi-Fi)") {
                    val waiting = s.waitingOn
                    if (waiting != null) {
                        Text("Ask them to connect to $waiting (a person types it on their app's Sync screen)")
                        TextButton(onClick = vm::cancelWaiting) { Text("Stop waiting") }
                    } else {
                        OutlinedTextField(value = s.nearbyAddress, onValueChange = vm::editNearbyAddress, label = { Text("Colleague's address") })
                        Row {
                            Button(onClick = { vm.syncNearby() }, enabled = s.running == null) { Text("Connect") }
                            OutlinedButton(onClick = { vm.waitForColleague() }, enabled = s.running == null) { Text("Wait for a phone") }
                        }
                    }
                }
                s.last?.let { r ->
                    Section("Last sync: ${r.target}, ${r.finishedAt}") {
                        Text("With ${r.peer}: ${r.messages} messages, ${r.bytes} bytes, ${r.roundTrips} round trips")
                        Text("Merged: " + r.merged.joinToString().ifEmpty { "nothing new" } + if (r.erased > 0) " · ${r.erased} erased" else "")
                        if (!r.clearedBadges) Text("Unsynced badges kept: the peer was not a link worker's store.")
                    }
                }
            }
            items(s.conflicts, key = { it.key }) { c ->
                Section("${c.personName}: ${c.field}") {
                    c.choices.forEachIndexed { i, choice ->
                        Row {
                            Text("${choice.value} · ${choice.setBy}, ${choice.setAt}" + if (choice.shown) " (shown now)" else "")
                            if (c.resolvable) TextButton(onClick = { vm.resolve(c.key, i) }) { Text("Keep") }
                        }
                    }
                    if (!c.resolvable) Text("Resolve this one in the full app.", style = MaterialTheme.typography.bodySmall)
                }
            }
        }
    }
}
