package org.linkwork.demo.person

import java.time.Clock
import java.time.LocalDate
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.flow.map
import org.linkwork.core.Consultation
import org.linkwork.core.ConsultationMode
import org.linkwork.core.Goal
import org.linkwork.core.GoalStatus
import org.linkwork.GoalUpdate
import org.linkwork.core.LinkWorkException
import org.linkwork.core.MeasureResponse
import org.linkwork.core.PersonChange
import org.linkwork.PersonRecord
import org.linkwork.core.Step
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.LiveQuery
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayDate
import org.linkwork.demo.ui.displayName
import org.linkwork.demo.ui.displayNumber
import org.linkwork.demo.ui.displayTime
import org.linkwork.demo.ui.instrumentName
import org.linkwork.demo.ui.label
import org.linkwork.demo.ui.outcomeText
import org.linkwork.demo.ui.userMessage

/** A goal with its progress ratings (0-10), oldest first. */
data class GoalRow(
    val id: String,
    val text: String,
    val status: String,
    val targetDate: String?,
    val ratings: List<Int>,
    val latestRating: Int?,
    val progressEntries: Int,
)

/** An action-plan step. */
data class StepRow(
    val id: String,
    val text: String,
    val owner: String,
    val due: String?,
    val done: Boolean,
    val overdue: Boolean,
)

/** A consultation, newest first on screen. */
data class ConsultationRow(
    val id: String,
    val mode: String,
    val start: String,
    val durationMinutes: Int?,
    /** A home visit checked in but not out: the lone-working check-out is outstanding. */
    val visitOpen: Boolean,
    val checkedOut: Boolean,
)

/** One recorded questionnaire. */
data class MeasureRow(val instrument: String, val timepoint: String, val recorded: String, val score: String)

/** Baseline to latest follow-up in one reported quantity ("ONS4 anxiety: 7 -> 3, better"). */
data class ChangeRow(
    val instrument: String,
    val quantity: String,
    val baseline: String,
    val latest: String,
    val difference: String,
    /** "better", "worse" or "no change", direction-aware (lower anxiety is better). */
    val direction: String,
)

/** What the person screen shows. */
data class PersonState(
    val loading: Boolean = true,
    val name: String = "",
    val status: String = "",
    val whatMatters: String? = null,
    val needs: List<String> = emptyList(),
    val reviewDate: String? = null,
    val goals: List<GoalRow> = emptyList(),
    val steps: List<StepRow> = emptyList(),
    val consultations: List<ConsultationRow> = emptyList(),
    val measures: List<MeasureRow> = emptyList(),
    val changes: List<ChangeRow> = emptyList(),
    /** Fields two devices set concurrently (resolved on the sync screen). */
    val conflicts: Int = 0,
    val unsynced: Boolean = false,
    /** The person is no longer on this device (erased, possibly by a sync). */
    val gone: Boolean = false,
    val message: UserMessage? = null,
)

/**
 * The person screen: plan (what matters, needs, goals with progress, steps), consultations,
 * measures with the change from baseline to the latest follow-up, and the unsynced badge. The
 * record observes the store (the bindings' `personFlow`): it follows every change to the
 * person while [scope] is active, and shows [PersonState.gone] once the person is erased.
 */
class PersonViewModel(
    private val repository: LinkWorkRepository,
    private val personId: String,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemDefaultZone(),
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(PersonState())
    private val record = LiveQuery(
        scope,
        initial = personId,
        // The paired change is read with each new version of the record.
        source = { id -> repository.person(id).map { it to repository.read { s -> s.pairedChange(id) } } },
        onValue = { _, (record, change) ->
            mutableState.value = present(record, change).copy(unsynced = personId in repository.unsyncedPeople.value)
        },
        onError = { _, e ->
            if (e is LinkWorkException.NotFound) {
                mutableState.update { it.copy(loading = false, gone = true) }
            } else {
                show(userMessage(e))
            }
        },
    )

    /** The screen's state. */
    val state: StateFlow<PersonState> = mutableState.asStateFlow()

    init {
        scope.launch {
            repository.unsyncedPeople.collect { p -> mutableState.update { it.copy(unsynced = personId in p) } }
        }
    }

    /**
     * Reads the record again (pull to refresh; it also follows changes by itself). When the
     * returned job completes, the record shown was read after the call.
     */
    fun refresh(): Job = record.load()

    /** Ticks a step done, or reopens it if it was done. The record shows it through its observation. */
    fun toggleStep(stepId: String): Job = launchAction(::show) {
        repository.edit(personId) { store ->
            val step = store.plan(personId).steps.firstOrNull { it.id == stepId }
                ?: throw LinkWorkException.NotFound(kind = "step", id = stepId)
            if (step.doneAt != null) store.reopenStep(stepId) else store.completeStep(stepId)
        }
    }

    /** Sets a goal's status (achieved, partly achieved, dropped, ...). */
    fun setGoalStatus(goalId: String, status: GoalStatus): Job = launchAction(::show) {
        repository.edit(personId) { it.updateGoal(goalId, GoalUpdate(status = status)) }
    }

    /** Dismisses the message on screen. */
    fun dismissMessage() = mutableState.update { it.copy(message = null) }

    private fun show(message: UserMessage) = mutableState.update { it.copy(loading = false, message = message) }

    private fun present(r: PersonRecord, change: List<PersonChange>): PersonState {
        val zone = clock.zone
        val today = LocalDate.now(clock)
        val case = r.caseRecord
        val plan = r.plan
        return PersonState(
            loading = false,
            name = case?.demographics?.let { displayName(it.givenName, it.familyName) } ?: "My plan",
            status = case?.episodes?.lastOrNull()?.status?.let(::label) ?: "",
            whatMatters = plan.whatMatters,
            needs = plan.needs.map { n -> label(n.need) + (n.note?.let { " ($it)" } ?: "") },
            reviewDate = plan.reviewDate?.let { displayDate(it) },
            goals = plan.goals.map(::goalRow),
            steps = plan.steps.map { stepRow(it, today) },
            consultations = case?.consultations.orEmpty().reversed().map { consultationRow(it, zone) },
            measures = plan.measures.reversed().map { measureRow(it, zone) },
            changes = change.map(::changeRow),
            conflicts = r.conflicts.size,
        )
    }

    private fun goalRow(g: Goal): GoalRow {
        val ratings = g.progress.mapNotNull { it.rating }
        return GoalRow(g.id, g.text, label(g.status), g.targetDate?.let { displayDate(it) }, ratings, ratings.lastOrNull(), g.progress.size)
    }

    private fun stepRow(s: Step, today: LocalDate): StepRow {
        val done = s.doneAt != null
        return StepRow(
            s.id, s.text, label(s.owner), s.due?.let { displayDate(it) }, done,
            overdue = !done && s.due?.isBefore(today) == true,
        )
    }

    private fun consultationRow(c: Consultation, zone: java.time.ZoneId) = ConsultationRow(
        id = c.id,
        mode = label(c.mode),
        start = displayTime(c.start, zone),
        durationMinutes = c.durationMinutes,
        visitOpen = c.mode == ConsultationMode.HOME_VISIT && c.checkedInAt != null && c.checkedOutAt == null,
        checkedOut = c.checkedOutAt != null,
    )

    private fun measureRow(m: MeasureResponse, zone: java.time.ZoneId) =
        MeasureRow(instrumentName(m.instrument), label(m.timepoint), displayTime(m.recordedAt, zone), outcomeText(m.outcome))

    private fun changeRow(c: PersonChange) = ChangeRow(
        instrument = instrumentName(c.instrument),
        quantity = c.quantity.replace('-', ' '),
        baseline = displayNumber(c.baseline),
        latest = displayNumber(c.followUp),
        difference = (if (c.difference > 0) "+" else "") + displayNumber(c.difference),
        direction = when (c.improved) {
            true -> "better"
            false -> "worse"
            null -> "no change"
        },
    )
}
