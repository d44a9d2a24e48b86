package org.linkwork.demo.sync

import java.time.Clock
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.linkwork.HubDirectoryOutcome
import org.linkwork.HubOutcome
import org.linkwork.core.CaseloadQuery
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayName
import org.linkwork.demo.ui.displayTime

/** What the last sync with the team hub did, for the sync screen. */
data class HubSyncReport(
    /** The hub as its certificate names it ("Northside hub"). */
    val hub: String,
    /** People whose records changed here, by name, sorted. */
    val merged: List<String>,
    /** Whether a newer revocation list arrived (devices the organisation revoked). */
    val revocationsInstalled: Boolean,
    /** What became of the services directory ("updated"), or `null` when nothing changed. */
    val directory: String?,
    /** Sync messages both ways. */
    val messages: Int,
    /** Sync bytes both ways. */
    val bytes: Long,
    /** When it finished, as the screen shows it. */
    val finishedAt: String,
)

/** The team-hub part of the sync screen. */
data class HubSyncState(
    /** The hub this device enrolled with (its address), or `null` before enrolment. */
    val hub: String? = null,
    /** Whether a sync with the hub is under way (the button is disabled). */
    val syncing: Boolean = false,
    /** What the last sync did, since the screen opened. */
    val last: HubSyncReport? = null,
    /** What went wrong, for the user. */
    val message: UserMessage? = null,
)

/**
 * Syncs this device with the organisation's `linkwork-hub`: the hub it enrolled with (remembered
 * in [settings] by [EnrolViewModel]) over [hub] (core's `hubSession`, sockets from the app).
 * Every refusal is a typed error shown as a [UserMessage] (a revoked device or another
 * organisation's hub: the hub refuses the device before admitting it, [HubRefusedDeviceException]
 * over core's `LinkWorkException.Hub`; a message over the bound: [HubMessageTooLargeException];
 * core's own refusals of what the hub sent); nothing half-done is stored.
 */
class HubSyncViewModel(
    private val repository: LinkWorkRepository,
    private val hub: HubSync,
    private val settings: HubSettingsStore,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemDefaultZone(),
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(HubSyncState())

    /** The screen's state. */
    val state: StateFlow<HubSyncState> = mutableState.asStateFlow()

    init {
        refresh()
    }

    /** Reads the remembered hub again (after the enrol screen closes). */
    fun refresh(): Job = launchAction(::show) {
        val address = settings.load()?.address
        mutableState.update { it.copy(hub = address) }
    }

    /** Syncs with the remembered hub; `null` (with a message) before enrolment or while one runs. */
    fun sync(): Job? {
        val s = mutableState.value
        if (s.syncing) return null
        val address = s.hub
        if (address == null) {
            mutableState.update { it.copy(message = UserMessage("Enrol with your organisation's team hub first.")) }
            return null
        }
        mutableState.update { it.copy(syncing = true, message = null) }
        return launchAction(::show) {
            val outcome = try {
                hub.sync(address)
            } finally {
                repository.refreshUnsynced()
            }
            val report = report(outcome)
            mutableState.update { it.copy(syncing = false, last = report) }
        }
    }

    /** Forgets the hub (a device handed to someone else re-enrols). */
    fun forget(): Job = launchAction(::show) {
        settings.clear()
        mutableState.update { it.copy(hub = null, last = null) }
    }

    /** Dismisses the message on screen. */
    fun dismissMessage() = mutableState.update { it.copy(message = null) }

    private fun show(message: UserMessage) = mutableState.update { it.copy(syncing = false, message = message) }

    private suspend fun report(outcome: HubOutcome): HubSyncReport {
        val changed = outcome.changedPersonIds.toSet()
        val names = if (changed.isEmpty()) {
            emptyList()
        } else {
            repository.read { store ->
                store.caseloadBlocking(CaseloadQuery()).filter { it.personId in changed }
                    .map { displayName(it.givenName, it.familyName) }.sorted()
            }
        }
        val s = outcome.stats
        return HubSyncReport(
            hub = outcome.hub.name,
            merged = names,
            revocationsInstalled = outcome.revocationsInstalled,
            directory = when (outcome.directory) {
                is HubDirectoryOutcome.Received -> "updated"
                is HubDirectoryOutcome.KeptNewer -> "kept the newer one on this device"
                else -> null
            },
            messages = (s.messagesSent + s.messagesReceived).toInt(),
            bytes = (s.bytesSent + s.bytesReceived).toLong(),
            finishedAt = displayTime(clock.instant(), clock.zone),
        )
    }
}
