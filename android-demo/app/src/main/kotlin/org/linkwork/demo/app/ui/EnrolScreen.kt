package org.linkwork.demo.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.linkwork.demo.sync.EnrolViewModel

/**
 * Enrolling this phone with the organisation's team hub (`linkwork-hub`): its address and the
 * one-time invite code the administrator gave. Every check and message is the view model's.
 */
@Composable
fun EnrolScreen(vm: EnrolViewModel, onDone: () -> Unit, onBack: () -> Unit) {
    val s by vm.state.collectAsStateWithLifecycle()
    DemoScaffold(title = "Team hub", onBack = onBack) { modifier ->
        Column(modifier) {
            if (s.enrolling) LinearProgressIndicator()
            MessageCard(s.message) {}
            val enrolledAs = s.enrolledAs
            if (enrolledAs != null) {
                Section("Enrolled") {
                    Text("This phone is enrolled as $enrolledAs.")
                    Button(onClick = onDone) { Text("Done") }
                }
            } else {
                Section("Enrol this phone") {
                    OutlinedTextField(
                        value = s.address,
                        onValueChange = vm::setAddress,
                        label = { Text("Hub address (wss://…)") },
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri, imeAction = ImeAction.Next),
                        enabled = !s.enrolling,
                    )
                    OutlinedTextField(
                        value = s.code,
                        onValueChange = vm::setCode,
                        label = { Text("Invite code") },
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(
                            capitalization = KeyboardCapitalization.Characters,
                            keyboardType = KeyboardType.Ascii,
                            imeAction = ImeAction.Done,
                        ),
                        enabled = !s.enrolling,
                    )
                    Button(onClick = { vm.enrol() }, enabled = !s.enrolling) { Text("Enrol") }
                }
            }
        }
    }
}
