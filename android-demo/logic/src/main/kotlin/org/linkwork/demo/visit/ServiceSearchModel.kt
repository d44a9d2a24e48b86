package org.linkwork.demo.visit

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.linkwork.DirectoryQuery
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage

/** One service found, with this device's referral outcomes for it. */
data class FoundService(
    val id: String,
    val name: String,
    val organisation: String?,
    /** "3 referred, 2 accepted, 1 no capacity" from this store's referrals. */
    val outcomes: String,
)

/** What the service search on the home-visit screen shows. */
data class ServiceSearchState(
    val text: String = "",
    val results: List<FoundService> = emptyList(),
    /** Services referred to during this visit, newest last. */
    val referred: List<String> = emptyList(),
    val busy: Boolean = false,
    val message: UserMessage? = null,
)

/**
 * Finds a community service in the offline directory during a home visit and refers the
 * person to it by the service's directory id (the referral keeps the name as it is now).
 */
class ServiceSearchModel(
    private val repository: LinkWorkRepository,
    private val personId: String,
    scope: CoroutineScope,
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(ServiceSearchState())

    /** The search's state. */
    val state: StateFlow<ServiceSearchState> = mutableState.asStateFlow()

    /** Searches the directory for [text] (typo-tolerant; empty lists every service). */
    fun search(text: String): Job = action {
        val (page, outcomes) = repository.read { store ->
            store.directorySearch(DirectoryQuery(text = text.ifBlank { null }, limit = 20)) to
                store.serviceOutcomes().associateBy { it.serviceId }
        }
        val results = page.hits.map { hit ->
            val o = outcomes[hit.serviceId]
            FoundService(
                id = hit.serviceId,
                name = hit.name,
                organisation = hit.organization,
                outcomes = if (o == null) "not referred yet" else
                    "${o.referrals} referred, ${o.accepted} accepted, ${o.noCapacity} no capacity",
            )
        }
        mutableState.update { it.copy(text = text, results = results) }
    }

    /** Refers the person to [serviceId] (state "sent"); the due list shows it until answered. */
    fun refer(serviceId: String, need: String? = null): Job = action {
        val name = mutableState.value.results.firstOrNull { it.id == serviceId }?.name ?: serviceId
        repository.edit(personId) { it.addOnwardReferralToService(personId, serviceId, need) }
        mutableState.update { it.copy(referred = it.referred + name) }
        search(mutableState.value.text).join()
    }

    /** Dismisses the message on screen. */
    fun dismissMessage() = mutableState.update { it.copy(message = null) }

    private fun action(block: suspend CoroutineScope.() -> Unit): Job {
        mutableState.update { it.copy(busy = true) }
        return launchAction({ m -> mutableState.update { it.copy(busy = false, message = m) } }) {
            block()
            mutableState.update { it.copy(busy = false) }
        }
    }
}
