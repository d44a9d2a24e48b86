// The command-line story's last chapter: the link worker's phone pairs Ada's own phone at the
// home visit (offer and code, offline), the two sync authenticated, and a stranger's phone that
// only knows Ada's id is refused before anything is shared.
package org.linkwork.demo.cli

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import org.linkwork.core.LinkWorkException
import org.linkwork.core.Role
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.data.StoreProvider
import org.linkwork.demo.identity.PairingState
import org.linkwork.demo.identity.PairingText
import org.linkwork.demo.identity.PairingViewModel
import org.linkwork.demo.sync.InProcessTransport

/** The pairing screen as text. */
internal fun pairingText(s: PairingState): String = buildString {
    appendLine("Pair ${s.personName ?: "their"}'s phone")
    s.message?.let { appendLine("! ${it.text}") }
    val offer = s.offer
    if (offer == null) {
        appendLine("[Show a pairing code]")
    } else {
        appendLine("Code: ${offer.code}  (valid until ${offer.pairBy})")
        appendLine("QR payload (${offer.text.length} characters): ${offer.text.take(48)}...")
    }
}

/**
 * Pairs Ada's phone from Sam's ([phone], enrolled with the demo organisation and allowed to
 * enrol patients), syncs them authenticated, and shows a stranger refused. Throws when a step
 * does not end as it should.
 */
internal suspend fun pairingStory(provider: StoreProvider, phone: LinkWorkRepository, adaId: String, scope: CoroutineScope) {
    val pairing = PairingViewModel(phone, adaId, scope)
    pairing.load().join()
    pairing.makeOffer().join()
    println()
    println("== Pairing Ada's own phone at the home visit")
    println(pairingText(pairing.state.value))
    val offer = checkNotNull(pairing.state.value.offer) { "no offer: ${pairing.state.value.message}" }

    // Ada's phone (the iOS demo) reads the QR code and Ada confirms the code.
    val payload = checkNotNull(PairingText.decode(offer.text))
    val wrong = runCatching { provider.createPairedPatient("ada-phone", "Ada", payload, "000000".takeIf { it != offer.code } ?: "111111") }
    check(wrong.exceptionOrNull() is LinkWorkException.Untrusted && !provider.fileFor("ada-phone").exists()) { "a wrong code creates nothing" }
    val adaPhone = LinkWorkRepository(provider.createPairedPatient("ada-phone", "Ada", payload, offer.code), Dispatchers.IO)
    try {
        val identity = adaPhone.read { it.deviceIdentity() }
        check(identity.enrolled && identity.certificate?.paired == true && identity.certificate?.personId == adaId)
        println("Ada's phone is paired: its own device key, a certificate for Ada only, signed under the offer.")

        val (mine, theirs) = InProcessTransport.pair()
        val listening = scope.launch(Dispatchers.IO) { phone.sync(theirs, connect = false) }
        val outcome = adaPhone.sync(mine)
        listening.join()
        check(outcome.peer?.role == Role.LINK_WORKER) { "Ada's phone met Sam's, proven by its certificate" }
        val plan = adaPhone.read { it.plan(adaId) }
        check(plan.goals.isNotEmpty()) { "the plan arrived" }
        val seen = phone.read { it.peers() }.single { it.role == Role.PATIENT }
        check(seen.certificateRole == "patient" && seen.certificateName == "Ada") { "Sam's phone knows the peer by its certificate" }
        println("They synced inside the secure channel: Ada's phone holds her plan (goals: ${plan.goals.size}); " +
            "Sam's phone shows the peer as ${seen.certificateName} (${seen.certificateRole}).")
    } finally {
        adaPhone.close()
    }

    // A stranger who knows Ada's id makes an unenrolled store claiming to be her phone.
    val stranger = LinkWorkRepository(provider.openOrCreatePatient("stranger", "someone", adaId), Dispatchers.IO)
    try {
        val (mine, theirs) = InProcessTransport.pair()
        scope.launch(Dispatchers.IO) { runCatching { phone.sync(theirs, connect = false) } }
        val refused = runCatching { stranger.sync(mine) }.exceptionOrNull()
        check(refused is LinkWorkException) { "the stranger was refused: $refused" }
        check(stranger.read { it.documents() }.isEmpty()) { "and received nothing" }
        println("A stranger's phone claiming to be Ada's was refused during the handshake and received nothing.")
    } finally {
        stranger.close()
    }
}
