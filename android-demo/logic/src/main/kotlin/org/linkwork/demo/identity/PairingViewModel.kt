package org.linkwork.demo.identity

import java.time.Clock
import java.time.Instant
import java.util.Base64
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayName

/**
 * The text form of a pairing payload: what the QR code holds and what the patient's app reads
 * (or a tester pastes): the payload's bytes in standard Base64. The patient's app
 * (ios-demo, `PairingOfferText`) reads the same form.
 */
object PairingText {
    /** The payload as text. */
    fun encode(payload: ByteArray): String = Base64.getEncoder().encodeToString(payload)

    /** The payload from text as scanned or typed (whitespace ignored), or null if it is not Base64. */
    fun decode(text: String): ByteArray? =
        runCatching { Base64.getDecoder().decode(text.filterNot(Char::isWhitespace)) }.getOrNull()
}

/** A pairing offer on screen. */
data class OfferShown(
    /** The payload as text ([PairingText]): shown as a QR code. */
    val text: String,
    /** The six-digit code shown beside it, which the patient confirms on their phone. */
    val code: String,
    /** The last moment the phone may take it up (15 minutes after it was made). */
    val pairBy: Instant,
)

/** What the "pair this person's phone" screen shows. */
data class PairingState(
    /** The person's name (loaded from the record). */
    val personName: String? = null,
    /** The offer being shown, once made. */
    val offer: OfferShown? = null,
    /** Whether the offer shown has passed its pairing window (make a new one). */
    val expired: Boolean = false,
    /** Whether an offer is being made. */
    val running: Boolean = false,
    /** Why making an offer failed (not enrolled, not allowed to enrol patients, ...). */
    val message: UserMessage? = null,
)

/**
 * Pairs a person's own phone from the link worker's, at a home visit, offline: [makeOffer]
 * asks the core for a pairing offer for [personId] (signed by this device, whose certificate
 * must allow enrolling patients), shown as a QR code with its six-digit code. The person's phone
 * (the iOS demo) reads it, the person confirms the code, and the phone creates its own store,
 * enrolled for this person only; from then on the two sync authenticated. An offer can be taken
 * up for 15 minutes, by one phone only.
 */
class PairingViewModel(
    private val repository: LinkWorkRepository,
    private val personId: String,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemUTC(),
    /** How long the phone's certificate lasts, in days. */
    private val days: Int = PHONE_DAYS,
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(PairingState())

    /** The screen's state. */
    val state: StateFlow<PairingState> = mutableState.asStateFlow()

    /** Loads the person's name. */
    fun load(): Job = launchAction(::fail) {
        val record = repository.read { it.person(personId) }
        val name = record.caseRecord?.demographics?.let { displayName(it.givenName, it.familyName) }
        mutableState.update { it.copy(personName = name) }
    }

    /** Makes a new offer (replacing one shown before). */
    fun makeOffer(): Job {
        mutableState.update { it.copy(running = true, message = null) }
        return launchAction(::fail) {
            val offer = repository.read { it.pairPatient(personId, days) }
            mutableState.update {
                it.copy(
                    offer = OfferShown(PairingText.encode(offer.payload), offer.code, offer.pairBy),
                    expired = false,
                    running = false,
                )
            }
        }
    }

    /** Marks the offer shown as expired once its window has passed (call on a timer or on resume). */
    fun refreshExpiry() {
        mutableState.update { s -> s.copy(expired = s.offer?.let { clock.instant().isAfter(it.pairBy) } ?: false) }
    }

    private fun fail(message: UserMessage) {
        mutableState.update { it.copy(running = false, message = message) }
    }

    companion object {
        /** How long a paired phone's certificate lasts by default, in days (the core's default). */
        const val PHONE_DAYS = 365
    }
}
