package org.linkwork.demo.caseload

import java.time.Clock
import java.time.LocalDate
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.linkwork.core.CaseloadEntry
import org.linkwork.core.CaseloadQuery
import org.linkwork.core.EpisodeStatus
import org.linkwork.core.NewPerson
import org.linkwork.core.NewReferral
import org.linkwork.core.ReferralSource
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayDate
import org.linkwork.demo.ui.displayName
import org.linkwork.demo.ui.label

/** How the next step's due date compares with today. */
enum class DueState { NONE, LATER, TODAY, OVERDUE }

/** One person in the caseload list. */
data class CaseloadRow(
    val personId: String,
    val name: String,
    /** Current episode status in words ("Accepted"), or "No episode". */
    val status: String,
    /** The earliest due date of an open step, for display ("3 Mar 2026"), if any. */
    val nextStepDue: String?,
    /** The same date, typed (for sorting, or a date picker), if any. */
    val nextStepDueDate: LocalDate?,
    val dueState: DueState,
    val activeGoals: Int,
    val openOnwardReferrals: Int,
    /** The person has changes the team has not seen (the badge; see `unsyncedPeople`). */
    val unsynced: Boolean,
)

/** What the caseload screen shows. */
data class CaseloadState(
    val query: String = "",
    val status: EpisodeStatus? = null,
    val rows: List<CaseloadRow> = emptyList(),
    val loading: Boolean = true,
    /** People with changes waiting for the next sync with the team. */
    val unsyncedTotal: Int = 0,
    val message: UserMessage? = null,
) {
    /** The status filter choices, "all" (`null`) first. */
    val statusOptions: List<EpisodeStatus?> get() = listOf(null) + EpisodeStatus.entries
}

/**
 * The caseload screen: search by name or NHS number, filter by status, the next step due and a
 * badge for people with changes the team has not seen. Reloads when the store reports a change
 * (a local edit or a merge from a sync) and when the unsynced people change.
 */
class CaseloadViewModel(
    private val repository: LinkWorkRepository,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemDefaultZone(),
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(CaseloadState())
    private val loads = Mutex()

    /** The screen's state. */
    val state: StateFlow<CaseloadState> = mutableState.asStateFlow()

    init {
        refresh()
        scope.launch { repository.changes.collect { refresh() } }
        scope.launch {
            repository.unsyncedPeople.collect { people ->
                mutableState.update { s ->
                    s.copy(
                        rows = s.rows.map { it.copy(unsynced = it.personId in people) },
                        unsyncedTotal = people.size,
                    )
                }
            }
        }
    }

    /** Searches as the user types (start of a name, or NHS number digits). */
    fun search(text: String): Job {
        mutableState.update { it.copy(query = text) }
        return refresh()
    }

    /** Shows only people whose current episode has [status]; `null` shows everyone. */
    fun filterStatus(status: EpisodeStatus?): Job {
        mutableState.update { it.copy(status = status) }
        return refresh()
    }

    /**
     * Adds a person referred by [source] (a fresh install starts here) and returns their id, or
     * `null` with a message on screen naming the field to correct (e.g. an NHS number whose
     * check digit is wrong). Blank optional fields are left out. The list reloads through the
     * store's change notification.
     */
    suspend fun addPerson(
        givenName: String,
        familyName: String,
        nhsNumber: String? = null,
        dateOfBirth: LocalDate? = null,
        source: ReferralSource = ReferralSource.SELF_REFERRAL,
    ): String? {
        val person = NewPerson(
            givenName = givenName.trim(),
            familyName = familyName.trim(),
            nhsNumber = nhsNumber?.trim()?.ifEmpty { null },
            dateOfBirth = dateOfBirth,
            referral = NewReferral(source = source, consentToContact = true),
        )
        var added: String? = null
        launchAction({ m -> mutableState.update { it.copy(message = m) } }) {
            added = repository.addPerson(person)
        }.join()
        return added
    }

    /** Dismisses the message on screen. */
    fun dismissMessage() = mutableState.update { it.copy(message = null) }

    /**
     * Reloads the list for the current search and filter. Loads run one at a time, each reading
     * the search and filter when it starts, so when a returned job completes the list is at
     * least as new as the call.
     */
    fun refresh(): Job {
        mutableState.update { it.copy(loading = true) }
        return launchAction({ m -> mutableState.update { it.copy(loading = false, message = m) } }) {
            loads.withLock {
                val query = mutableState.value.let { CaseloadQuery(text = it.query.trim().ifEmpty { null }, status = it.status) }
                val entries = repository.read { it.caseloadBlocking(query) }
                val unsynced = repository.unsyncedPeople.value
                val today = LocalDate.now(clock)
                mutableState.update { s ->
                    s.copy(
                        rows = entries.map { row(it, today, it.personId in unsynced) },
                        unsyncedTotal = unsynced.size,
                        loading = false,
                    )
                }
            }
        }
    }

    private fun row(e: CaseloadEntry, today: LocalDate, unsynced: Boolean): CaseloadRow {
        val due = e.nextStepDue
        return CaseloadRow(
            personId = e.personId,
            name = displayName(e.givenName, e.familyName),
            status = e.status?.let(::label) ?: "No episode",
            nextStepDue = e.nextStepDue?.let { displayDate(it) },
            nextStepDueDate = due,
            dueState = when {
                due == null -> DueState.NONE
                due.isBefore(today) -> DueState.OVERDUE
                due == today -> DueState.TODAY
                else -> DueState.LATER
            },
            activeGoals = e.activeGoals,
            openOnwardReferrals = e.openOnwardReferrals,
            unsynced = unsynced,
        )
    }
}
