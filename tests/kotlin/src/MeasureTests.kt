// Pure measure functions (no store) crossing the boundary: scoring with its outcomes and errors,
// definitions and paired change. The scoring rules are tested in Rust (core/src/measures).
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object MeasureTests {
    val all: List<TestCase> = listOf(
        TestCase("score_measure scores, reports incomplete, refuses bad answers", ::scoring),
        TestCase("instrument definitions and paired change", ::definitionsAndChange),
    )

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
