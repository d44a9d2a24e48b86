package org.linkwork.demo.sync

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage

/** What the enrol screen shows. */
data class EnrolState(
    /** The hub address as typed. */
    val address: String = "",
    /** The invite code as typed. */
    val code: String = "",
    /** Whether an enrolment is under way (the button is disabled). */
    val enrolling: Boolean = false,
    /** Once enrolled: "Ann, link worker at Northside". */
    val enrolledAs: String? = null,
    /** What went wrong, for the user. */
    val message: UserMessage? = null,
)

/**
 * The enrol screen: the hub's address and the invite code the administrator gave, then
 * [enrol]. Bad input is told before any connection; the hub's refusal (a wrong, used or expired
 * code) and network failures become a [UserMessage]. Once enrolled, the hub's address is kept in
 * [settings] (the sync screen's [HubSyncViewModel] syncs with it).
 */
class EnrolViewModel(
    private val hub: HubSync,
    scope: CoroutineScope,
    private val settings: HubSettingsStore = InMemoryHubSettingsStore(),
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(EnrolState())

    /** The screen's state. */
    val state: StateFlow<EnrolState> = mutableState.asStateFlow()

    fun setAddress(text: String) = mutableState.update { it.copy(address = text, message = null) }

    fun setCode(text: String) = mutableState.update { it.copy(code = text, message = null) }

    /** Enrols with what was typed; returns the job (tests and the command-line demo wait on it). */
    fun enrol(): Job? {
        val s = mutableState.value
        if (s.enrolling || s.enrolledAs != null) return null
        val address = parseHubAddress(s.address)
        if (address == null) {
            mutableState.update { it.copy(message = UserMessage("Please check the hub address (it starts with wss://).")) }
            return null
        }
        if (s.code.isBlank()) {
            mutableState.update { it.copy(message = UserMessage("Please enter the invite code from your administrator.")) }
            return null
        }
        mutableState.update { it.copy(enrolling = true, message = null) }
        return launchAction({ m -> mutableState.update { it.copy(enrolling = false, message = m) } }) {
            val cert = hub.enrol(address, s.code)
            settings.save(HubSettings(address))
            val role = cert.role.name.lowercase().replace("_", " ")
            mutableState.update {
                it.copy(enrolling = false, enrolledAs = "${cert.name}, $role at ${cert.organisation}")
            }
        }
    }
}
