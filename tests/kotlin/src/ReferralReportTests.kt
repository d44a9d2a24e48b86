// Onward referrals to directory services, per-service outcomes, the response deadline in the
// due list, reporting fields and the commissioner's period report through the Kotlin API.
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ReferralReportTests {
    val all: List<TestCase> = listOf(
        TestCase("referral by service id keeps id and name; unknown id is NotFound and writes nothing", ::referByServiceId),
        TestCase("per-service outcomes count accepted, attended, no capacity", ::serviceOutcomes),
        TestCase("an unanswered referral is due at its response deadline; bad deadlines refused", ::responseDeadline),
        TestCase("period report: reporting fields, suppression (null) and secondary suppression, HTML and CSV", ::periodReport),
    )

    private fun referByServiceId() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            store.directoryImportBlocking(DirectoryTests.FEED.toByteArray(), "small.json")
            val pid = store.addPersonBlocking(newPerson())
            val rid = store.addOnwardReferralToServiceBlocking(pid, "svc-lunch", "loneliness")
            val o = store.personBlocking(pid).caseRecord!!.onwardReferrals.single { it.id == rid }
            assertEquals("svc-lunch", o.serviceId)
            assertEquals("Lunch Club", o.service)
            assertEquals("Chapeltown Community Centre", o.organisation)
            val e = assertFailsWith<LinkWorkException.NotFound> {
                store.addOnwardReferralToServiceBlocking(pid, "svc-nope", null)
            }
            assertEquals("directory service", e.kind)
            assertEquals(1, store.personBlocking(pid).caseRecord!!.onwardReferrals.size)
            val free = store.addOnwardReferralBlocking(pid, NewOnwardReferral(service = "Allotments"))
            assertNull(store.personBlocking(pid).caseRecord!!.onwardReferrals.single { it.id == free }.serviceId)
        }
    }

    private fun serviceOutcomes() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            store.directoryImportBlocking(DirectoryTests.FEED.toByteArray(), "small.json")
            val pid = store.addPersonBlocking(newPerson())
            val a = store.addOnwardReferralToServiceBlocking(pid, "svc-lunch", null)
            store.addOnwardReferralToServiceBlocking(pid, "svc-lunch", null)
            store.transitionOnwardReferralBlocking(a, OnwardStatus.NO_CAPACITY)
            store.transitionOnwardReferralBlocking(a, OnwardStatus.ACCEPTED)
            store.transitionOnwardReferralBlocking(a, OnwardStatus.ATTENDING)
            val lunch = store.outcomesForServiceBlocking("svc-lunch")
            assertEquals(listOf(2, 1, 1, 1, 1), listOf(lunch.referrals, lunch.accepted, lunch.attended, lunch.noCapacity, lunch.awaitingResponse))
            assertNotNull(lunch.meanWaitDays)
            assertEquals(listOf("svc-lunch"), store.serviceOutcomesBlocking().map { it.serviceId })
            assertEquals(0, store.outcomesForServiceBlocking("svc-garden").referrals)
        }
    }

    private fun responseDeadline() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            store.directoryImportBlocking(DirectoryTests.FEED.toByteArray(), "small.json")
            val pid = store.addPersonBlocking(newPerson())
            assertEquals(14, store.referralResponseDaysBlocking())
            val rid = store.addOnwardReferralToServiceBlocking(pid, "svc-lunch", null)
            fun onwardDue(until: java.time.LocalDate) = store.dueBlocking(until).filter { it.kind == DueKind.ONWARD_RESPONSE }
            assertTrue(onwardDue(day(13)).isEmpty())
            val due = onwardDue(day(14)).single()
            assertEquals(rid, due.itemId)
            assertEquals(day(14), due.due)
            store.setReferralResponseDaysBlocking(2)
            assertEquals(day(2), onwardDue(day(2)).single().due)
            for (bad in listOf(0, 366)) {
                assertEquals("days", assertFailsWith<LinkWorkException.InvalidInput> { store.setReferralResponseDaysBlocking(bad) }.field)
            }
            assertEquals(2, store.referralResponseDaysBlocking())
            store.transitionOnwardReferralBlocking(rid, OnwardStatus.ACKNOWLEDGED)
            assertTrue(onwardDue(day(400)).isEmpty())
        }
    }

    private fun periodReport() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val people = (0 until 7).map { i -> store.addPersonBlocking(newPerson(given = "P$i", nhs = null)) }
            people.forEachIndexed { i, p ->
                store.setReportingFieldsBlocking(p, ReportingFields(
                    sex = if (i == 0) Sex.FEMALE else null,
                    ethnicity = EthnicCategory.WHITE_IRISH,
                    gpPractice = if (i < 6) "b82005" else "B82099",
                ))
            }
            assertEquals("B82005", store.personBlocking(people[0]).caseRecord!!.demographics.reporting.gpPractice)
            assertEquals("gp_practice", assertFailsWith<LinkWorkException.InvalidInput> {
                store.setReportingFieldsBlocking(people[0], ReportingFields(gpPractice = "B8 2"))
            }.field)
            val report = store.periodReportBlocking(day(-30), day(0), null)
            assertEquals(5, report.suppressionThreshold)
            val practice = report.tables.single { it.name == "referrals_by_practice" }
            // 6 and 1: the 1 is suppressed, and the 6 with it, since the total (7) is shown.
            assertEquals(listOf(null, null), practice.rows.map { it.cells.single() })
            assertEquals(listOf<Int?>(7), practice.totals)
            val sex = report.tables.single { it.name == "referrals_by_sex" }
            assertNull(sex.rows.single { it.label == "female" }.cells.single())
            val ethnicity = report.tables.single { it.name == "referrals_by_ethnicity" }
            assertEquals(7, ethnicity.rows.single { it.label == "B" }.cells.single())
            assertEquals("to", assertFailsWith<LinkWorkException.InvalidInput> { store.periodReportBlocking(day(0), day(-1), null) }.field)
            assertEquals("suppress_below", assertFailsWith<LinkWorkException.InvalidInput> { store.periodReportBlocking(day(-1), day(0), 1) }.field)
            val html = store.periodReportHtmlBlocking(day(-30), day(0), null)
            assertTrue(html.contains("<svg") && html.contains("chart-referrals"))
            val files = store.periodReportCsvBlocking(day(-30), day(0), null, dir.path("csv"))
            assertTrue(files.any { it.endsWith("referrals_by_practice.csv") })
            assertEquals(
                "practice,referrals\r\nB82005,*\r\nB82099,*\r\ntotal,7\r\n",
                java.io.File(dir.path("csv/referrals_by_practice.csv")).readText(),
            )
        }
    }
}
