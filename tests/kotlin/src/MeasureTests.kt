// Pure measure functions (no store): scoring, definitions and paired change.
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object MeasureTests {
    val all: List<TestCase> = listOf(
        TestCase("score_measure scores, reports incomplete, refuses bad answers", ::scoring),
        TestCase("instrument definitions and paired change", ::definitionsAndChange),
        TestCase("SWEMWBS metric, ONS4 band edges and no total, never prorated, range errors", ::scoringRules),
    )

    private fun scored(instrument: Instrument, answers: List<Long?>): Score =
        assertIs<ScoreOutcome.Scored>(scoreMeasure(instrument, answers)).score

    private fun scoringRules() {
        // SWEMWBS: the raw sum is converted with the metric table (7 -> 7.00, 23 -> 20.73, 35 -> 35.00).
        for ((answers, raw, metric) in listOf(
            Triple(List(7) { 1L }, 7L, 7.00),
            Triple(listOf(3L, 3L, 3L, 3L, 3L, 4L, 4L), 23L, 20.73),
            Triple(List(7) { 5L }, 35L, 35.00),
        )) assertEquals(Score.Swemwbs(raw = raw, metric = metric), scored(Instrument.SWEMWBS, answers))

        // ONS4 band edges: items 1-3 low 0-4, medium 5-6, high 7-8, very high 9-10; anxiety
        // very low 0-1, low 2-3, medium 4-5, high 6-10.
        fun bands(v: Long) = assertIs<Score.Ons4>(scored(Instrument.ONS4, listOf(v, v, v, v))).items.map { it.band }
        val edges = mapOf(
            0L to (Ons4Band.LOW to Ons4Band.VERY_LOW), 1L to (Ons4Band.LOW to Ons4Band.VERY_LOW),
            2L to (Ons4Band.LOW to Ons4Band.LOW), 3L to (Ons4Band.LOW to Ons4Band.LOW),
            4L to (Ons4Band.LOW to Ons4Band.MEDIUM), 5L to (Ons4Band.MEDIUM to Ons4Band.MEDIUM),
            6L to (Ons4Band.MEDIUM to Ons4Band.HIGH), 7L to (Ons4Band.HIGH to Ons4Band.HIGH),
            8L to (Ons4Band.HIGH to Ons4Band.HIGH), 9L to (Ons4Band.VERY_HIGH to Ons4Band.HIGH),
            10L to (Ons4Band.VERY_HIGH to Ons4Band.HIGH),
        )
        for ((v, expected) in edges) {
            val (positive, anxiety) = expected
            assertEquals(listOf(positive, positive, positive, anxiety), bands(v), "ONS4 answer $v")
        }
        // Each item is reported on its own: the ONS4 score has no total.
        val ons4 = assertIs<Score.Ons4>(scored(Instrument.ONS4, listOf(8L, 9L, 7L, 2L)))
        assertEquals(listOf(Ons4Measure.LIFE_SATISFACTION, Ons4Measure.WORTHWHILE, Ons4Measure.HAPPINESS, Ons4Measure.ANXIETY), ons4.items.map { it.item })
        assertEquals(listOf(8L, 9L, 7L, 2L), ons4.items.map { it.value })
        assertTrue(Score.Ons4::class.java.declaredFields.none { it.name.contains("total", ignoreCase = true) })

        // Incomplete answers are never prorated: no score, just the missing items.
        assertEquals(
            ScoreOutcome.Incomplete(missing = listOf(6)),
            scoreMeasure(Instrument.SWEMWBS, List(6) { 4L } + listOf(null)),
        )
        assertEquals(
            ScoreOutcome.Incomplete(missing = listOf(0)),
            scoreMeasure(Instrument.WEMWBS, listOf(null) + List(13) { 5L }),
        )
        assertIs<ScoreOutcome.Incomplete>(scoreMeasure(Instrument.MYCAW, listOf(null, null, 3L)))

        // Out of range (either side) and wrong length: InvalidInput on `answers`.
        for ((instrument, answers) in listOf(
            Instrument.ONS4 to listOf(11L, 5L, 5L, 5L),
            Instrument.ONS4 to listOf(5L, 5L, 5L, -1L),
            Instrument.SWEMWBS to List(7) { 0L },
            Instrument.WEMWBS to List(14) { 6L },
            Instrument.MYCAW to listOf(7L, null, 3L),
            Instrument.LONELINESS_DIRECT to listOf(0L),
            Instrument.SWEMWBS to List(8) { 3L },
        )) {
            val e = assertFailsWith<LinkWorkException.InvalidInput>("$instrument $answers") { scoreMeasure(instrument, answers) }
            assertEquals("answers", e.field)
        }
    }

    private fun scoring() {
        val ons4 = assertIs<ScoreOutcome.Scored>(scoreMeasure(Instrument.ONS4, listOf(8L, 9L, 7L, 2L)))
        val items = assertIs<Score.Ons4>(ons4.score).items
        assertEquals(
            listOf(Ons4Band.HIGH, Ons4Band.VERY_HIGH, Ons4Band.HIGH, Ons4Band.LOW),
            items.map { it.band },
        )
        val wemwbs = assertIs<ScoreOutcome.Scored>(scoreMeasure(Instrument.WEMWBS, List(14) { 3L }))
        assertEquals(Score.Wemwbs(total = 42L), wemwbs.score)
        val swemwbs = assertIs<Score.Swemwbs>(
            assertIs<ScoreOutcome.Scored>(scoreMeasure(Instrument.SWEMWBS, List(7) { 3L })).score,
        )
        assertEquals(21L, swemwbs.raw)
        val mycaw = assertIs<ScoreOutcome.Scored>(scoreMeasure(Instrument.MYCAW, listOf(5L, null, 4L)))
        assertEquals(Score.Mycaw(concerns = listOf(5L), wellbeing = 4L), mycaw.score)

        assertEquals(
            ScoreOutcome.Incomplete(missing = listOf(1, 3)),
            scoreMeasure(Instrument.ONS4, listOf(8L, null, 7L, null)),
        )
        assertEquals("answers", assertFailsWith<LinkWorkException.InvalidInput> {
            scoreMeasure(Instrument.ONS4, listOf(8L))
        }.field)
        assertEquals("answers", assertFailsWith<LinkWorkException.InvalidInput> {
            scoreMeasure(Instrument.UCLA3, listOf(1L, 2L, 4L))
        }.field)
        assertEquals("instrument", assertFailsWith<LinkWorkException.InvalidInput> {
            scoreMeasure(Instrument.PAM, emptyList())
        }.field)
    }

    private fun definitionsAndChange() {
        val ons4 = instrumentDefinition(Instrument.ONS4)
        assertEquals(Instrument.ONS4, ons4.instrument)
        assertEquals(4, ons4.items.size)
        assertTrue(ons4.items.all { it.min == 0L && it.max == 10L && it.options.size == 11 })
        assertTrue(ons4.items.last().lowerIsBetter, "anxiety: lower is better")
        assertEquals(14, instrumentDefinition(Instrument.WEMWBS).items.size)
        assertTrue(instrumentDefinition(Instrument.PAM).items.isEmpty())
        assertFalse(instrumentDefinition(Instrument.MYCAW).items[1].required)

        val baseline = (scoreMeasure(Instrument.ONS4, listOf(4L, 5L, 4L, 8L)) as ScoreOutcome.Scored).score
        val followUp = (scoreMeasure(Instrument.ONS4, listOf(7L, 7L, 6L, 3L)) as ScoreOutcome.Scored).score
        val change = assertNotNull(measureChange(Instrument.ONS4, baseline, followUp))
        assertEquals(4, change.size)
        assertTrue(change.all { it.improved == true })
        val anxiety = change.single { it.name == "anxiety" }
        assertTrue(anxiety.lowerIsBetter)
        assertEquals(-5.0, anxiety.difference)
        assertEquals(DifferenceConvention.FOLLOW_UP_MINUS_BASELINE, anxiety.convention)
        assertNull(measureChange(Instrument.WEMWBS, baseline, followUp), "scores of another instrument")
    }
}
