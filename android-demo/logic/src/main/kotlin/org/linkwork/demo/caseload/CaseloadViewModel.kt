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
import org.linkwork.core.CaseloadEntry
import org.linkwork.core.CaseloadQuery
import org.linkwork.core.EpisodeStatus
import org.linkwork.core.NewPerson
import org.linkwork.core.NewReferral
import org.linkwork.core.ReferralSource
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.LiveQuery
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayDate
import org.linkwork.demo.ui.displayName
import org.linkwork.demo.ui.label
import org.linkwork.demo.ui.userMessage

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
 * badge for people with changes the team has not seen. The list observes the store (the
 * bindings' `caseloadFlow`): it follows every change the store reports (a local edit, a merge
 * from a sync) while [scope] is active, and a new search or filter restarts the observation.
 */
class CaseloadViewModel(
    private val repository: LinkWorkRepository,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemDefaultZone(),
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(CaseloadState())
    private val list = LiveQuery(
        scope,
        initial = CaseloadQuery(),
        source = repository::caseload,
        onValue = { _, entries -> show(entries) },
        onError = { _, e -> mutableState.update { it.copy(loading = false, message = userMessage(e)) } },
    )

    /** The screen's state. */
    val state: StateFlow<CaseloadState> = mutableState.asStateFlow()

    init {
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
     * check digit is wrong). Blank optional fields are left out. The list shows them through
     * its observation of the store.
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
     * Reads the list again for the current search and filter (pull to refresh; the list also
     * follows changes by itself). When the returned job completes, the list shown was read
     * after the call.
     */
    fun refresh(): Job {
        mutableState.update { it.copy(loading = true) }
        val s = mutableState.value
        return list.load(CaseloadQuery(text = s.query.trim().ifEmpty { null }, status = s.status))
    }

    private fun show(entries: List<CaseloadEntry>) {
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
