package org.linkwork.demo.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import org.linkwork.demo.caseload.CaseloadViewModel

/**
 * A new self-referral: names and an optional NHS number. Saving calls the view model's suspend
 * `addPerson` from the composition's scope (the store call runs on the core's threads, never on
 * the main thread) and opens the new person; a refusal shows the view model's message.
 */
@Composable
fun AddPersonScreen(vm: CaseloadViewModel, onAdded: (String) -> Unit, onBack: () -> Unit) {
    val state by vm.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var given by rememberSaveable { mutableStateOf("") }
    var family by rememberSaveable { mutableStateOf("") }
    var nhs by rememberSaveable { mutableStateOf("") }
    var saving by rememberSaveable { mutableStateOf(false) }
    DemoScaffold(title = "Add person", onBack = onBack) { modifier ->
        Column(modifier.padding(16.dp)) {
            OutlinedTextField(given, { given = it }, label = { Text("Given name") }, singleLine = true, modifier = Modifier.fillMaxWidth())
            OutlinedTextField(family, { family = it }, label = { Text("Family name") }, singleLine = true, modifier = Modifier.fillMaxWidth())
            OutlinedTextField(nhs, { nhs = it }, label = { Text("NHS number (optional)") }, singleLine = true, modifier = Modifier.fillMaxWidth())
            MessageCard(state.message, vm::dismissMessage)
            Button(
                enabled = !saving && given.isNotBlank() && family.isNotBlank(),
                onClick = {
                    saving = true
                    scope.launch {
                        val id = vm.addPerson(given, family, nhs)
                        saving = false
                        if (id != null) onAdded(id)
                    }
                },
                modifier = Modifier.padding(top = 16.dp),
            ) { Text("Save") }
        }
    }
}
