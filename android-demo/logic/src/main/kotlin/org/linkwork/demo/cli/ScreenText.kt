package org.linkwork.demo.cli

import org.linkwork.demo.caseload.CaseloadState
import org.linkwork.demo.caseload.DueState
import org.linkwork.demo.person.PersonState
import org.linkwork.demo.sync.SyncState
import org.linkwork.demo.ui.instrumentName
import org.linkwork.demo.ui.label
import org.linkwork.demo.visit.HomeVisitState
import org.linkwork.demo.visit.VisitPhase

/** Plain-text (ASCII) renderings of the screens' states: what the Compose screens show, for a terminal. */
object ScreenText {
    /** The caseload list. */
    fun caseload(s: CaseloadState): String = buildString {
        appendLine("+- Caseload" + (if (s.query.isNotEmpty()) "  search \"${s.query}\"" else "") +
            (s.status?.let { "  status ${label(it)}" } ?: "") + "  (${s.unsyncedTotal} people not yet synced)")
        if (s.rows.isEmpty()) appendLine("| nobody matches")
        for (r in s.rows) {
            val due = when (r.dueState) {
                DueState.NONE -> "no step due"
                DueState.LATER -> "next step ${r.nextStepDue}"
                DueState.TODAY -> "next step TODAY"
                DueState.OVERDUE -> "next step OVERDUE (${r.nextStepDue})"
            }
            val badge = if (r.unsynced) "  [unsynced]" else ""
            appendLine("| ${r.name.padEnd(16)} ${r.status.padEnd(18)} $due, ${r.activeGoals} active goals$badge")
        }
        s.message?.let { appendLine("| ! ${it.text}") }
        append("+-")
    }

    /** The person screen. */
    fun person(s: PersonState): String = buildString {
        if (s.gone) return "+- Person\n| no longer on this device\n+-"
        appendLine("+- ${s.name}  ${s.status}" + (if (s.unsynced) "  [unsynced]" else "") +
            (if (s.conflicts > 0) "  (${s.conflicts} conflicts)" else ""))
        s.whatMatters?.let { appendLine("| What matters: $it") }
        if (s.needs.isNotEmpty()) appendLine("| Needs: ${s.needs.joinToString(", ")}")
        s.reviewDate?.let { appendLine("| Review: $it") }
        for (g in s.goals) {
            appendLine("| Goal: ${g.text} [${g.status}] progress ${g.ratings.joinToString(" -> ").ifEmpty { "none yet" }}")
        }
        for (st in s.steps) {
            val box = if (st.done) "[x]" else "[ ]"
            appendLine("| $box ${st.text} (${st.owner}${st.due?.let { ", due $it" } ?: ""}${if (st.overdue) ", OVERDUE" else ""})")
        }
        for (c in s.consultations) {
            val state = when {
                c.visitOpen -> "checked in, NOT checked out"
                c.checkedOut -> "checked out"
                else -> ""
            }
            appendLine("| Consultation: ${c.mode} ${c.start} $state".trimEnd())
        }
        for (m in s.measures) appendLine("| Measure: ${m.instrument} ${m.timepoint.lowercase()}: ${m.score}")
        for (c in s.changes) {
            appendLine("| Change: ${c.instrument} ${c.quantity} ${c.baseline} -> ${c.latest} (${c.difference}, ${c.direction})")
        }
        s.message?.let { appendLine("| ! ${it.text}") }
        append("+-")
    }

    /** Home-visit mode. */
    fun visit(s: HomeVisitState): String = buildString {
        val phase = when (s.phase) {
            VisitPhase.NOT_STARTED -> "not started"
            VisitPhase.IN_VISIT -> "in visit since ${s.checkedInAt} (${s.minutesIn} min${if (s.overdue) ", OVERDUE: check out or call the team" else ""})"
            VisitPhase.CHECKED_OUT -> "checked out at ${s.checkedOutAt}"
        }
        appendLine("+- Home visit: ${s.name}  $phase")
        if (s.phase == VisitPhase.IN_VISIT) {
            for (g in s.goals) appendLine("| Goal: ${g.text}  latest ${g.latestRating?.let { "$it/10" } ?: "-"}")
            s.form?.let { f ->
                appendLine("| ${instrumentName(f.instrument)} (${label(f.timepoint).lowercase()}) ${f.title}")
                f.items.forEachIndexed { i, item -> appendLine("|   ${i + 1}. ${item.text}  ${item.answer ?: "_"}") }
                appendLine("|   score: ${f.preview}")
            }
        }
        for (line in s.saved) appendLine("| saved: $line")
        s.message?.let { appendLine("| ! ${it.text}") }
        append("+-")
    }

    /** The sync screen. */
    fun sync(s: SyncState): String = buildString {
        appendLine("+- Sync  (${s.unsyncedTotal} people not yet synced)" + (s.running?.let { "  syncing with $it..." } ?: ""))
        for (t in s.targets) appendLine("| target: ${t.label} (${label(t.kind).lowercase()})")
        s.last?.let { r ->
            appendLine("| Last: ${r.target}, ${r.peer}, at ${r.finishedAt}: ${r.messages} messages, ${r.bytes} bytes, ${r.roundTrips} round trips")
            appendLine("| Merged: ${r.merged.joinToString(", ").ifEmpty { "nothing new" }}" + (if (r.erased > 0) "; ${r.erased} erased" else ""))
            if (!r.clearedBadges) appendLine("| (unsynced badges kept: the peer is not a link worker's store)")
        }
        for (c in s.conflicts) {
            appendLine("| Conflict for ${c.personName}: ${c.field}" + if (c.resolvable) "" else " (resolve in the full app)")
            c.choices.forEachIndexed { i, ch ->
                appendLine("|   ${i + 1}) ${ch.value}  by ${ch.setBy} at ${ch.setAt}${if (ch.shown) "  <- shown now" else ""}")
            }
        }
        s.message?.let { appendLine("| ! ${it.text}") }
        append("+-")
    }
}
