// The commissioner's period report through the Kotlin API: reporting fields, suppressed counts
// as null, HTML and CSV. Referrals to directory services, outcomes and deadlines are tested in
// Rust (tests/tests/integration/onward_directory.rs).
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ReferralReportTests {
    val all: List<TestCase> = listOf(
        TestCase("period report: reporting fields, suppression (null) and secondary suppression, HTML and CSV", ::periodReport),
    )

    private suspend fun periodReport() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val people = (0 until 7).map { i -> store.addPerson(newPerson(given = "P$i", nhs = null)) }
            people.forEachIndexed { i, p ->
                store.setReportingFields(p, ReportingFields(
                    sex = if (i == 0) Sex.FEMALE else null,
                    ethnicity = EthnicCategory.WHITE_IRISH,
                    gpPractice = if (i < 6) "b82005" else "B82099",
                ))
            }
            assertEquals("B82005", store.person(people[0]).caseRecord!!.demographics.reporting.gpPractice)
            assertEquals("gp_practice", assertFailsWith<LinkWorkException.InvalidInput> {
                store.setReportingFields(people[0], ReportingFields(gpPractice = "B8 2"))
            }.field)
            val report = store.periodReport(day(-30), day(0), null)
            assertEquals(5, report.suppressionThreshold)
            val practice = report.tables.single { it.name == "referrals_by_practice" }
            // 6 and 1: the 1 is suppressed, and the 6 with it, since the total (7) is shown.
            assertEquals(listOf(null, null), practice.rows.map { it.cells.single() })
            assertEquals(listOf<Int?>(7), practice.totals)
            val sex = report.tables.single { it.name == "referrals_by_sex" }
            assertNull(sex.rows.single { it.label == "female" }.cells.single())
            val ethnicity = report.tables.single { it.name == "referrals_by_ethnicity" }
            assertEquals(7, ethnicity.rows.single { it.label == "B" }.cells.single())
            assertEquals("to", assertFailsWith<LinkWorkException.InvalidInput> { store.periodReport(day(0), day(-1), null) }.field)
            assertEquals("suppress_below", assertFailsWith<LinkWorkException.InvalidInput> { store.periodReport(day(-1), day(0), 1) }.field)
            val html = store.periodReportHtml(day(-30), day(0), null)
            assertTrue(html.contains("<svg") && html.contains("chart-referrals"))
            val files = store.periodReportCsv(day(-30), day(0), null, dir.path("csv"))
            assertTrue(files.any { it.endsWith("referrals_by_practice.csv") })
            assertEquals(
                "practice,referrals\r\nB82005,*\r\nB82099,*\r\ntotal,7\r\n",
                java.io.File(dir.path("csv/referrals_by_practice.csv")).readText(),
            )
        }
    }
}
