package org.linkwork.demo.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.linkwork.demo.caseload.CaseloadRow
import org.linkwork.demo.caseload.CaseloadViewModel
import org.linkwork.demo.caseload.DueState
import org.linkwork.demo.ui.label

/** The caseload: search, status filter, people with their next step and unsynced badge; Add opens [AddPersonScreen]. */
@Composable
fun CaseloadScreen(vm: CaseloadViewModel, onOpen: (String) -> Unit, onAdd: () -> Unit, onSync: () -> Unit) {
    val state by vm.state.collectAsStateWithLifecycle()
    DemoScaffold(
        title = "Caseload",
        actions = {
            TextButton(onClick = onAdd) { Text("Add") }
            TextButton(onClick = onSync) { Text("Sync"); UnsyncedBadge(state.unsyncedTotal) }
        },
    ) { modifier ->
        Column(modifier) {
            OutlinedTextField(
                value = state.query,
                onValueChange = { vm.search(it) },
                label = { Text("Name or NHS number") },
                singleLine = true,
                modifier = Modifier.fillMaxWidth().padding(8.dp),
            )
            LazyRow(Modifier.padding(horizontal = 8.dp)) {
                items(state.statusOptions) { status ->
                    FilterChip(
                        selected = state.status == status,
                        onClick = { vm.filterStatus(status) },
                        label = { Text(status?.let(::label) ?: "All") },
                        modifier = Modifier.padding(end = 4.dp),
                    )
                }
            }
            if (state.loading) LinearProgressIndicator(Modifier.fillMaxWidth())
            MessageCard(state.message, vm::dismissMessage)
            LazyColumn {
                items(state.rows, key = { it.personId }) { row ->
                    PersonRow(row, onClick = { onOpen(row.personId) })
                    HorizontalDivider()
                }
            }
        }
    }
}

@Composable
private fun PersonRow(row: CaseloadRow, onClick: () -> Unit) {
    Row(Modifier.fillMaxWidth().clickable(onClick = onClick).padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
        Column(Modifier.weight(1f)) {
            Text(row.name, style = MaterialTheme.typography.titleMedium)
            Text("${row.status} · ${row.activeGoals} active goals", style = MaterialTheme.typography.bodySmall)
            val due = when (row.dueState) {
                DueState.NONE -> null
                DueState.LATER -> "Next step ${row.nextStepDue}"
                DueState.TODAY -> "Next step due today"
                DueState.OVERDUE -> "Next step overdue (${row.nextStepDue})"
            }
            if (due != null) {
                Text(
                    due,
                    color = if (row.dueState == DueState.OVERDUE) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
                    style = MaterialTheme.typography.bodySmall,
                )
            }
        }
        UnsyncedBadge(row.unsynced)
    }
}
