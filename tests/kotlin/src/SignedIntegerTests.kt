// Integers cross the FFI signed (Kotlin Int/Long, never UInt/ULong): a negative value where core
// needs a count, size or limit is refused with the typed InvalidInput naming the argument, and
// nothing is stored; counts come back as ordinary Ints and Longs.
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object SignedIntegerTests {
    val all: List<TestCase> = listOf(
        TestCase("negative limits, ratings, durations, days and sizes are InvalidInput naming the field", ::negativesRefused),
    )

    private fun refusedField(block: () -> Unit): String = assertFailsWith<LinkWorkException.InvalidInput> { block() }.field

    private suspend fun negativesRefused() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { s ->
            val pid = s.addPersonBlocking(newPerson())
            val goal = s.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
            val before = s.personBlocking(pid)

            assertEquals("rating", refusedField { s.recordProgressBlocking(goal, NewProgress(rating = -1)) })
            assertEquals("duration_minutes", refusedField {
                s.addConsultationBlocking(pid, NewConsultation(mode = ConsultationMode.PHONE, durationMinutes = -30))
            })
            assertEquals("limit", refusedField { s.caseloadBlocking(CaseloadQuery(limit = -1)) })
            assertEquals("limit", refusedField { s.caseloadPageBlocking(CaseloadQuery(), PageRequest(limit = -1)) })
            assertEquals("limit", refusedField { s.historyPageBlocking(pid, PageRequest(limit = Int.MIN_VALUE)) })
            assertEquals("days", refusedField { s.setReferralResponseDaysBlocking(-14) })
            assertEquals("offset", refusedField { s.directorySearchBlocking(DirectoryQuery(offset = -1)) })
            assertEquals("age", refusedField { s.directorySearchBlocking(DirectoryQuery(age = -3)) })
            assertEquals("limit", refusedField { s.directorySearchBlocking(DirectoryQuery(limit = -20)) })
            assertEquals("suppress_below", refusedField { s.periodReportBlocking(day(-30), day(0), -5) })
            assertEquals("threshold", refusedField { s.writeCommissionerReportCsvBlocking(dir.path("report"), -5) })
            assertEquals("days", refusedField { s.pairPatientBlocking(pid, -1) })
            val org = Organisation.create("Northtown PCN")
            assertEquals("days", refusedField {
                org.issue(s.certificateRequestBlocking(), CertificateRole.LINK_WORKER, false, false, -30)
            })
            assertFailsWith<LinkWorkException.InvalidInput> {
                s.recordMeasureBlocking(
                    pid,
                    NewMeasureResponse(
                        instrument = Instrument.PAM, timepoint = Timepoint.BASELINE,
                        mode = AdministrationMode.SELF_COMPLETED, pam = PamResult(score = 40.0, level = -1, version = "13"),
                    ),
                )
            }
            assertFalse(s.removeListener(-1L), "a negative token was never registered")
            val (session, _) = s.syncStartBlocking()
            session.use { assertEquals("bytes", refusedField { it.setMaxMessageBytes(-1L) }) }

            // Nothing was stored, and the defaults still hold.
            assertEquals(before, s.personBlocking(pid))
            assertEquals(14, s.referralResponseDaysBlocking())
            // Counts come back signed.
            val entry: Int = s.caseloadBlocking(CaseloadQuery()).single().activeGoals
            assertEquals(1, entry)
            val docs = s.documentsBlocking()
            assertTrue(docs.all { it.bytes > 0L && it.heads == 1 })
        }
    }
}
