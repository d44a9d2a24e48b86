package org.linkwork.demo.visit

import java.time.Clock
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.linkwork.core.AdministrationMode
import org.linkwork.core.ConsultationMode
import org.linkwork.core.GoalStatus
import org.linkwork.core.Instrument
import org.linkwork.core.LinkWorkException
import org.linkwork.core.NewConsultation
import org.linkwork.core.NewMeasureResponse
import org.linkwork.core.NewProgress
import org.linkwork.PersonRecord
import org.linkwork.core.ScoreOutcome
import org.linkwork.core.Timepoint
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayName
import org.linkwork.demo.ui.displayTime
import org.linkwork.demo.ui.instrumentName
import org.linkwork.demo.ui.label
import org.linkwork.demo.ui.outcomeText
import org.linkwork.demo.ui.userMessage
import org.linkwork.instrumentDefinition
import org.linkwork.scoreMeasure

/** Where the visit is. */
enum class VisitPhase { NOT_STARTED, IN_VISIT, CHECKED_OUT }

/** An active goal for quick progress. */
data class QuickGoal(val id: String, val text: String, val latestRating: Int?)

/** One question of the quick questionnaire. */
data class FormItem(
    val text: String,
    /** Answer choices as (value, label). */
    val options: List<Pair<Long, String>>,
    val answer: Long?,
)

/** The questionnaire being filled in. */
data class MeasureForm(
    val instrument: Instrument,
    val title: String,
    /** Baseline when the person has no complete baseline of this instrument, else follow-up. */
    val timepoint: Timepoint,
    val recallPeriod: String?,
    val items: List<FormItem>,
    /** The score so far, or what is still unanswered (never prorated). */
    val preview: String,
    val complete: Boolean,
)

/** What the home-visit screen shows. */
data class HomeVisitState(
    val loading: Boolean = true,
    val name: String = "",
    val phase: VisitPhase = VisitPhase.NOT_STARTED,
    val consultationId: String? = null,
    val checkedInAt: String? = null,
    val checkedOutAt: String? = null,
    /** Minutes since check-in, for the lone-working timer. */
    val minutesIn: Long = 0,
    /** The visit has run past the expected length: check out, or call the team. */
    val overdue: Boolean = false,
    val expectedMinutes: Long = 60,
    val goals: List<QuickGoal> = emptyList(),
    /** Questionnaires offered for quick entry. */
    val instruments: List<Instrument> = listOf(Instrument.ONS4, Instrument.SWEMWBS),
    val form: MeasureForm? = null,
    /** What was saved during this visit, newest last ("Progress 7/10 on ..."). */
    val saved: List<String> = emptyList(),
    val busy: Boolean = false,
    val message: UserMessage? = null,
)

/**
 * Home-visit mode: start the visit (a home-visit consultation plus the lone-working check-in),
 * quick goal progress, a quick ONS4 or SWEMWBS, and check-out. An open visit (checked in, not
 * out) found on the record is resumed, so a restart never loses the lone-working state.
 *
 * @param expectedMinutes after this long checked in the screen warns (lone-working safety).
 * @param tickMillis how often the timer refreshes; `null` leaves it to [refreshTimer].
 */
class HomeVisitViewModel(
    private val repository: LinkWorkRepository,
    private val personId: String,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemDefaultZone(),
    expectedMinutes: Long = 60,
    tickMillis: Long? = 30_000,
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow(HomeVisitState(expectedMinutes = expectedMinutes))
    private var checkedIn: Instant? = null
    private val actions = Mutex()

    /** The screen's state. */
    val state: StateFlow<HomeVisitState> = mutableState.asStateFlow()

    init {
        reload()
        if (tickMillis != null) {
            scope.launch {
                while (isActive) {
                    delay(tickMillis)
                    refreshTimer()
                }
            }
        }
    }

    /** Reloads the record: name, open visit, active goals. */
    fun reload(): Job = action {
        val record = repository.read { it.person(personId) }
        show(record)
    }

    /** Starts the visit: records a home-visit consultation and checks in (lone working). */
    fun start(attendees: List<String> = emptyList()): Job = action {
        if (mutableState.value.phase == VisitPhase.IN_VISIT) return@action
        repository.edit(personId) { store ->
            val id = store.addConsultation(personId, NewConsultation(mode = ConsultationMode.HOME_VISIT, attendees = attendees))
            store.checkIn(id)
        }
        show(repository.read { it.person(personId) })
    }

    /** Records goal progress (0-10) with an optional note, during the visit. */
    fun recordProgress(goalId: String, rating: Int, note: String? = null): Job = duringVisit {
        val goal = mutableState.value.goals.firstOrNull { it.id == goalId }
        repository.edit(personId) { it.recordProgress(goalId, NewProgress(rating = rating, note = note?.ifBlank { null })) }
        val record = repository.read { it.person(personId) }
        show(record, saved = "Progress $rating/10 on \"${goal?.text ?: "goal"}\"")
    }

    /** Opens the quick questionnaire for [instrument] (ONS4 or SWEMWBS). */
    fun openMeasure(instrument: Instrument): Job = duringVisit {
        val definition = instrumentDefinition(instrument)
        val record = repository.read { it.person(personId) }
        val hasBaseline = record.plan.measures.any {
            it.instrument == instrument && it.timepoint == Timepoint.BASELINE && it.outcome is ScoreOutcome.Scored
        }
        val items = definition.items.map { item ->
            FormItem(
                text = item.text,
                options = item.options.map { it.value to it.label }.ifEmpty { (item.min..item.max).map { it to it.toString() } },
                answer = null,
            )
        }
        mutableState.update {
            it.copy(
                form = MeasureForm(
                    instrument = instrument,
                    title = definition.title,
                    timepoint = if (hasBaseline) Timepoint.FOLLOW_UP else Timepoint.BASELINE,
                    recallPeriod = definition.recallPeriod,
                    items = items,
                    preview = preview(score(instrument, items)),
                    complete = false,
                ),
            )
        }
    }

    /** Answers question [index] of the open questionnaire with [value]. */
    fun answer(index: Int, value: Long) {
        val form = mutableState.value.form ?: return
        if (index !in form.items.indices) return
        val items = form.items.mapIndexed { i, item -> if (i == index) item.copy(answer = value) else item }
        val outcome = score(form.instrument, items)
        mutableState.update {
            it.copy(
                form = form.copy(
                    items = items,
                    preview = preview(outcome),
                    complete = outcome.getOrNull() is ScoreOutcome.Scored,
                ),
            )
        }
    }

    /** Closes the questionnaire without saving. */
    fun cancelMeasure() = mutableState.update { it.copy(form = null) }

    /**
     * Saves the questionnaire as answered so far ([mode]: read out or self-completed). An
     * incomplete one is stored as incomplete, never prorated.
     */
    fun saveMeasure(mode: AdministrationMode = AdministrationMode.READ_OUT): Job = duringVisit {
        val form = mutableState.value.form ?: return@duringVisit
        val response = NewMeasureResponse(
            instrument = form.instrument,
            timepoint = form.timepoint,
            mode = mode,
            answers = form.items.map { it.answer },
        )
        repository.edit(personId) { it.recordMeasure(personId, response) }
        val record = repository.read { it.person(personId) }
        mutableState.update { it.copy(form = null) }
        show(record, saved = "${instrumentName(form.instrument)} ${label(form.timepoint).lowercase()}: ${form.preview}")
    }

    /** Ends the visit: saves [notes] (if any) on the consultation and checks out. */
    fun checkOut(notes: String? = null): Job = duringVisit {
        val id = mutableState.value.consultationId ?: return@duringVisit
        repository.edit(personId) { store ->
            if (!notes.isNullOrBlank()) store.setConsultationNotes(id, notes)
            store.checkOut(id)
        }
        show(repository.read { it.person(personId) }, visit = id)
    }

    /** Recomputes the lone-working timer from the clock. */
    fun refreshTimer() {
        val since = checkedIn ?: return
        if (mutableState.value.phase != VisitPhase.IN_VISIT) return
        val minutes = Duration.between(since, clock.instant()).toMinutes()
        mutableState.update { it.copy(minutesIn = minutes, overdue = minutes >= it.expectedMinutes) }
    }

    /** Dismisses the message on screen. */
    fun dismissMessage() = mutableState.update { it.copy(message = null) }

    private fun action(block: suspend CoroutineScope.() -> Unit): Job {
        mutableState.update { it.copy(busy = true) }
        return launchAction({ m -> mutableState.update { it.copy(busy = false, loading = false, message = m) } }) {
            try {
                // One action at a time, in the order tapped: two quick taps on "Start" open one visit.
                actions.withLock { block() }
            } catch (e: LinkWorkException) {
                // Show the record as it is now (an item vanished, a state moved on), then the message.
                if (e is LinkWorkException.NotFound || e is LinkWorkException.Conflict) {
                    runCatching { show(repository.read { it.person(personId) }) }
                }
                throw e
            }
            mutableState.update { it.copy(busy = false) }
        }
    }

    private fun duringVisit(block: suspend CoroutineScope.() -> Unit): Job = action {
        if (mutableState.value.phase != VisitPhase.IN_VISIT) {
            mutableState.update { it.copy(message = UserMessage("Start the visit first.")) }
        } else {
            block()
        }
    }

    /**
     * Shows [record]. The visit on screen is the open home visit if there is one; otherwise
     * [visit] (the one just checked out) stays on screen as checked out.
     */
    private fun show(record: PersonRecord, saved: String? = null, visit: String? = mutableState.value.consultationId) {
        val zone = clock.zone
        val consultations = record.caseRecord?.consultations.orEmpty()
        val open = consultations.lastOrNull {
            it.mode == ConsultationMode.HOME_VISIT && it.checkedInAt != null && it.checkedOutAt == null
        }
        val shown = open ?: consultations.firstOrNull { it.id == visit }
        checkedIn = open?.checkedInAt
        mutableState.update { s ->
            s.copy(
                loading = false,
                name = record.caseRecord?.demographics?.let { displayName(it.givenName, it.familyName) } ?: "",
                phase = when {
                    open != null -> VisitPhase.IN_VISIT
                    shown?.checkedOutAt != null -> VisitPhase.CHECKED_OUT
                    else -> VisitPhase.NOT_STARTED
                },
                consultationId = shown?.id,
                checkedInAt = shown?.checkedInAt?.let { displayTime(it, zone) },
                checkedOutAt = shown?.checkedOutAt?.let { displayTime(it, zone) },
                goals = record.plan.goals.filter { it.status == GoalStatus.ACTIVE }
                    .map { g -> QuickGoal(g.id, g.text, g.progress.lastOrNull { it.rating != null }?.rating) },
                saved = if (saved != null) s.saved + saved else s.saved,
            )
        }
        refreshTimer()
    }

    private fun score(instrument: Instrument, items: List<FormItem>): Result<ScoreOutcome> =
        runCatching { scoreMeasure(instrument, items.map { it.answer }) }

    /** The score so far, or why the answers cannot be scored. */
    private fun preview(outcome: Result<ScoreOutcome>): String = outcome.fold(::outcomeText) { userMessage(it).text }
}
