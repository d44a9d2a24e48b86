package org.linkwork.demo.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.delay
import org.linkwork.demo.identity.PairingViewModel

/**
 * Pairing a person's phone at a home visit: the offer (shown as text here; a real app renders
 * it as a QR code) and the six-digit code the person confirms on their phone.
 */
@Composable
fun PairingScreen(vm: PairingViewModel, onBack: () -> Unit) {
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) {
        vm.load()
        while (true) {
            delay(5_000)
            vm.refreshExpiry()
        }
    }
    DemoScaffold(title = s.personName?.let { "Pair $it's phone" } ?: "Pair their phone", onBack = onBack) { modifier ->
        Column(modifier) {
            if (s.running) LinearProgressIndicator()
            MessageCard(s.message) {}
            val offer = s.offer
            if (offer == null || s.expired) {
                if (s.expired) Text("That offer has expired.")
                Button(onClick = { vm.makeOffer() }) { Text("Show a pairing code") }
            } else {
                Section("Code: ${offer.code}") {
                    Text("Ask them to check their phone shows the same code.")
                    SelectionContainer { Text(offer.text, style = MaterialTheme.typography.bodySmall) }
                }
            }
        }
    }
}
