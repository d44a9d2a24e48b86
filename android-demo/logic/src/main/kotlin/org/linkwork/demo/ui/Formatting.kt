package org.linkwork.demo.ui

import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import org.linkwork.core.Instrument
import org.linkwork.core.Ons4Band
import org.linkwork.core.Ons4Measure
import org.linkwork.core.Score
import org.linkwork.core.ScoreOutcome

/** An enum constant as a user reads it: `UNABLE_TO_CONTACT` -> "Unable to contact". */
fun label(value: Enum<*>): String =
    value.name.lowercase(Locale.UK).replace('_', ' ').replaceFirstChar { it.titlecase(Locale.UK) }

/** An instrument's short name as link workers know it. */
fun instrumentName(instrument: Instrument): String = when (instrument) {
    Instrument.ONS4 -> "ONS4"
    Instrument.WEMWBS -> "WEMWBS"
    Instrument.SWEMWBS -> "SWEMWBS"
    Instrument.UCLA3 -> "UCLA 3-item"
    Instrument.LONELINESS_DIRECT -> "Loneliness (direct question)"
    Instrument.MYCAW -> "MYCaW"
    Instrument.PAM -> "PAM"
}

/** Given and family name, or a placeholder when the store holds no name (a patient's store). */
fun displayName(given: String?, family: String?): String =
    listOfNotNull(given, family).joinToString(" ").ifBlank { "(no name on this device)" }

/** A calendar date as "3 Mar 2026". */
fun displayDate(date: LocalDate): String = date.format(DateTimeFormatter.ofPattern("d MMM yyyy", Locale.UK))

/** A calendar date written `YYYY-MM-DD` (a conflict's text value) as "3 Mar 2026"; other text as is. */
fun displayDate(iso: String): String = runCatching { displayDate(LocalDate.parse(iso)) }.getOrDefault(iso)

/** An instant as local "3 Mar 2026 14:05" in [zone]. */
fun displayTime(at: Instant, zone: ZoneId): String =
    DateTimeFormatter.ofPattern("d MMM yyyy HH:mm", Locale.UK).format(at.atZone(zone))

/** A number with at most two decimals and no trailing zeros: 20.73, 3, -1.5. */
fun displayNumber(value: Double): String =
    if (value == Math.rint(value)) value.toLong().toString() else "%.2f".format(Locale.UK, value).trimEnd('0')

/** One line for a score, each ONS4 item on its own (the ONS4 has no total, by design). */
fun scoreText(score: Score): String = when (score) {
    is Score.Ons4 -> score.items.joinToString(", ") { "${ons4Name(it.item)} ${it.value} (${ons4Band(it.band)})" }
    is Score.Wemwbs -> "total ${score.total}"
    is Score.Swemwbs -> "metric ${displayNumber(score.metric)} (raw ${score.raw})"
    is Score.Ucla3 -> "total ${score.total}"
    is Score.LonelinessDirect -> "answer ${score.answer}" + if (score.oftenOrAlways) " (often or always lonely)" else ""
    is Score.Mycaw -> "concerns ${score.concerns.joinToString("/")}, wellbeing ${score.wellbeing}"
}

/** A score outcome: the score, or which items are still unanswered (never prorated). */
fun outcomeText(outcome: ScoreOutcome?): String = when (outcome) {
    is ScoreOutcome.Scored -> scoreText(outcome.score)
    is ScoreOutcome.Incomplete -> "incomplete: ${outcome.missing.size} unanswered"
    null -> "not scored"
}

/** An ONS4 item's short name. */
fun ons4Name(item: Ons4Measure): String = when (item) {
    Ons4Measure.LIFE_SATISFACTION -> "life satisfaction"
    Ons4Measure.WORTHWHILE -> "worthwhile"
    Ons4Measure.HAPPINESS -> "happiness"
    Ons4Measure.ANXIETY -> "anxiety"
}

/** An ONS4 band in words. */
fun ons4Band(band: Ons4Band): String = label(band).lowercase(Locale.UK)
