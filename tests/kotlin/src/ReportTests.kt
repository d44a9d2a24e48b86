// Reports and exports: paired change after recording measures, the caseload report on a
// generated caseload (counts computed here, independently), its CSV files, the FHIR R4 export,
// the message back to the GP, and what a patient's own store may not do.
package org.linkwork.tests

import java.io.File
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneOffset
import java.time.temporal.ChronoUnit
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ReportTests {
    val all: List<TestCase> = listOf(
        TestCase("paired change after recorded measures is direction-aware", ::pairedChangeAfterRecording),
        TestCase("caseload report on a generated caseload matches counts computed here", ::caseloadReportCounts),
        TestCase("write_report_csv writes every table with its header", ::reportCsv),
        TestCase("export_fhir: an R4 Bundle that parses, case data only on request", ::fhirExport),
        TestCase("gp_message: codes and summary, codes only, wrong event", ::gpMessage),
        TestCase("patient store: own paired change and plan export only", ::patientStore),
    )

    private const val ACCEPTED_CODE = "871731000000106"
    private const val SNOMED = "http://snomed.info/sct"
    private const val NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"

    /** The core's code of an enum value (`SELF_REFERRAL` -> `self-referral`), as report keys use. */
    private fun code(e: Enum<*>): String = e.name.lowercase().replace('_', '-')

    /** Noon UTC, `days` after the ISO date `date`. */
    private fun noon(date: String, days: Long = 0): Instant = noon(LocalDate.parse(date), days)

    /** Noon UTC, `days` after `date`. */
    private fun noon(date: LocalDate, days: Long = 0): Instant =
        date.plusDays(days).atTime(12, 0).toInstant(ZoneOffset.UTC)

    private fun measure(
        instrument: Instrument,
        timepoint: Timepoint,
        answers: List<Long?>,
        at: Instant,
        concernLabels: List<String> = emptyList(),
    ) = NewMeasureResponse(
        instrument = instrument, timepoint = timepoint, mode = AdministrationMode.SELF_COMPLETED,
        answers = answers, concernLabels = concernLabels, recordedAt = at,
    )

    // ---- paired change ----------------------------------------------------------------------

    /** Records an ONS4, a MYCaW and an incomplete UCLA 3 pair for `pid`, days before now. */
    private fun recordPairs(store: LinkWorkStore, pid: String) {
        val start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(30, ChronoUnit.DAYS)
        fun at(days: Long) = start.plus(days, ChronoUnit.DAYS)
        // ONS4: a later baseline and an interim review never pair; the latest follow-up does.
        store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(4L, 5L, 4L, 8L), at(0)))
        store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(9L, 9L, 9L, 0L), at(1)))
        store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.REVIEW, listOf(10L, 10L, 10L, 0L), at(10)))
        store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(6L, 6L, 6L, 5L), at(20)))
        store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(7L, 5L, 6L, 3L), at(25)))
        // MYCaW (lower is better; difference = baseline - follow-up): one concern.
        store.recordMeasureBlocking(pid, measure(Instrument.MYCAW, Timepoint.BASELINE, listOf(5L, null, 4L), at(0), listOf("sleep")))
        store.recordMeasureBlocking(pid, measure(Instrument.MYCAW, Timepoint.FOLLOW_UP, listOf(2L, null, 4L), at(25), listOf("sleep")))
        // UCLA 3: the follow-up is incomplete, so it is stored but never paired (nor prorated).
        store.recordMeasureBlocking(pid, measure(Instrument.UCLA3, Timepoint.BASELINE, listOf(3L, 3L, 2L), at(0)))
        store.recordMeasureBlocking(pid, measure(Instrument.UCLA3, Timepoint.FOLLOW_UP, listOf(1L, null, 1L), at(25)))
    }

    private fun pairedChangeAfterRecording() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPersonBlocking(newPerson())
            assertTrue(store.pairedChangeBlocking(pid).isEmpty(), "no measures, no pairs")
            recordPairs(store, pid)
            val ucla = store.planBlocking(pid).measures.single { it.instrument == Instrument.UCLA3 && it.timepoint == Timepoint.FOLLOW_UP }
            assertIs<ScoreOutcome.Incomplete>(ucla.outcome)

            val changes = store.pairedChangeBlocking(pid)
            assertEquals(listOf(Instrument.ONS4, Instrument.MYCAW), changes.map { it.instrument }.distinct())
            val ons4 = changes.filter { it.instrument == Instrument.ONS4 }
            assertEquals(listOf("life-satisfaction", "worthwhile", "happiness", "anxiety"), ons4.map { it.quantity })
            fun row(q: String) = ons4.single { it.quantity == q }
            with(row("life-satisfaction")) {
                assertEquals(4.0 to 7.0, baseline to followUp)
                assertEquals(3.0, difference)
                assertEquals(true, improved)
                assertFalse(lowerIsBetter)
            }
            with(row("worthwhile")) { assertNull(improved, "unchanged: 5 -> 5"); assertEquals(0.0, difference) }
            // Anxiety: lower is better, so 8 -> 3 is a negative difference and an improvement.
            with(row("anxiety")) {
                assertTrue(lowerIsBetter)
                assertEquals(DifferenceConvention.FOLLOW_UP_MINUS_BASELINE, convention)
                assertEquals(8.0 to 3.0, baseline to followUp)
                assertEquals(-5.0, difference)
                assertEquals(true, improved)
                assertTrue(baselineAt.isBefore(followUpAt))
            }
            // Earliest baseline and latest follow-up: the same two responses for every item.
            val recorded = store.planBlocking(pid).measures.filter { it.instrument == Instrument.ONS4 }.sortedBy { it.recordedAt }
            assertEquals(setOf(recorded.first().id), ons4.map { it.baselineResponse }.toSet())
            assertEquals(setOf(recorded.last().id), ons4.map { it.followUpResponse }.toSet())
            assertEquals(Timepoint.FOLLOW_UP, recorded.last().timepoint)

            val mycaw = changes.filter { it.instrument == Instrument.MYCAW }
            assertEquals(listOf("concern-1", "wellbeing"), mycaw.map { it.quantity })
            with(mycaw[0]) {
                assertEquals(DifferenceConvention.BASELINE_MINUS_FOLLOW_UP, convention)
                assertEquals(3.0, difference, "5 -> 2: positive is better")
                assertEquals(true, improved)
            }
            assertNull(mycaw[1].improved)

            assertEquals("person_id", assertFailsWith<LinkWorkException.InvalidInput> {
                store.pairedChangeBlocking("not-an-id")
            }.field)
            assertFailsWith<LinkWorkException.NotFound> {
                store.pairedChangeBlocking("00000000-0000-4000-8000-000000000000")
            }
        }
    }

    // ---- the caseload report ------------------------------------------------------------------

    /** One generated person: one referral and what happened to it. Days count from `received`. */
    private data class Spec(
        val source: ReferralSource?,
        val received: String,
        val path: List<EpisodeStatus>,
        val needs: List<Need> = emptyList(),
        val attempts: List<Pair<ContactOutcome, Long>> = emptyList(),
        val consultations: List<Pair<ConsultationMode, Long>> = emptyList(),
        val onward: List<Pair<String, List<OnwardStatus>>> = emptyList(),
        /** ONS4 anxiety at baseline and follow-up (the other items fixed at 5). */
        val anxiety: Pair<Long, Long?>? = null,
    )

    private val caseload = listOf(
        Spec(
            ReferralSource.GP, "2024-01-05", listOf(EpisodeStatus.CONTACTING, EpisodeStatus.ACCEPTED),
            needs = listOf(Need.LONELINESS, Need.DEBT),
            attempts = listOf(ContactOutcome.NO_ANSWER to 1L, ContactOutcome.REACHED to 3L),
            consultations = listOf(ConsultationMode.HOME_VISIT to 6L, ConsultationMode.PHONE to 20L),
            onward = listOf("Walking group" to listOf(OnwardStatus.ACCEPTED, OnwardStatus.ATTENDING)),
            anxiety = 8L to 3L,
        ),
        Spec(
            ReferralSource.GP, "2024-01-20", listOf(EpisodeStatus.ACCEPTED),
            needs = listOf(Need.LONELINESS),
            attempts = listOf(ContactOutcome.REACHED to 1L),
            consultations = listOf(ConsultationMode.VIDEO to 4L),
            onward = listOf("Debt advice" to listOf(OnwardStatus.NO_CAPACITY)), // unmet need now
            anxiety = 5L to 5L,
        ),
        Spec(
            ReferralSource.SELF_REFERRAL, "2024-01-28",
            listOf(EpisodeStatus.CONTACTING, EpisodeStatus.UNABLE_TO_CONTACT),
            attempts = listOf(ContactOutcome.NO_ANSWER to 1L, ContactOutcome.LEFT_MESSAGE to 2L),
        ),
        Spec(
            ReferralSource.COUNCIL, "2024-02-02", listOf(EpisodeStatus.DECLINED),
            needs = listOf(Need.HOUSING),
            attempts = listOf(ContactOutcome.REACHED to 2L),
        ),
        Spec(
            ReferralSource.GP, "2024-02-10",
            listOf(EpisodeStatus.CONTACTING, EpisodeStatus.ACCEPTED, EpisodeStatus.DISCHARGED),
            needs = listOf(Need.MENTAL_WELLBEING, Need.LONELINESS),
            attempts = listOf(ContactOutcome.REACHED to 5L),
            consultations = listOf(
                ConsultationMode.HOME_VISIT to 7L, ConsultationMode.HOME_VISIT to 14L, ConsultationMode.VENUE to 21L,
            ),
            onward = listOf(
                "Walking group" to listOf(OnwardStatus.ACCEPTED, OnwardStatus.ATTENDING, OnwardStatus.GOT_HELP),
            ),
            anxiety = 4L to 6L,
        ),
        Spec(ReferralSource.VCSE, "2024-02-14", listOf(EpisodeStatus.REDIRECTED)),
        Spec(null, "2024-02-20", emptyList(), needs = listOf(Need.FOOD), anxiety = 7L to null), // no follow-up
        Spec(
            ReferralSource.GP, "2024-03-01", listOf(EpisodeStatus.CONTACTING, EpisodeStatus.ON_HOLD),
            attempts = listOf(ContactOutcome.REACHED to 0L),
            consultations = listOf(ConsultationMode.PHONE to 2L),
        ),
        Spec(
            ReferralSource.SELF_REFERRAL, "2024-03-03", listOf(EpisodeStatus.ON_HOLD, EpisodeStatus.DISCHARGED),
        ),
        Spec(
            ReferralSource.GP, "2024-03-09",
            listOf(EpisodeStatus.ACCEPTED, EpisodeStatus.ON_HOLD, EpisodeStatus.ACCEPTED),
            needs = listOf(Need.DEBT, Need.BENEFITS),
            attempts = listOf(ContactOutcome.REACHED to 7L),
            consultations = listOf(ConsultationMode.PHONE to 9L),
            onward = listOf(
                "Debt advice" to listOf(OnwardStatus.ACKNOWLEDGED),
                "Food bank" to listOf(OnwardStatus.ACCEPTED),
            ),
        ),
        Spec(
            ReferralSource.COUNCIL, "2024-03-15", listOf(EpisodeStatus.CONTACTING, EpisodeStatus.ACCEPTED),
            needs = listOf(Need.DEBT),
            attempts = listOf(ContactOutcome.WRONG_DETAILS to 1L),
            consultations = listOf(ConsultationMode.HOME_VISIT to 4L), // first contact by a visit
            onward = listOf("Debt advice" to listOf(OnwardStatus.NO_CAPACITY, OnwardStatus.ACCEPTED)),
        ),
        Spec(
            ReferralSource.GP, "2024-03-20", listOf(EpisodeStatus.CONTACTING, EpisodeStatus.DECLINED),
            attempts = listOf(ContactOutcome.REACHED to 2L),
        ),
    )

    /** Builds the generated caseload on `store`; returns the person ids in spec order. */
    private fun generate(store: LinkWorkStore): List<String> = caseload.mapIndexed { i, s ->
        val pid = store.addPersonBlocking(
            NewPerson(
                givenName = "Person$i", familyName = "Test", nhsNumber = null,
                referral = NewReferral(source = s.source, received = LocalDate.parse(s.received), consentToContact = true),
            ),
        )
        for (need in s.needs) store.addNeedBlocking(pid, need)
        for ((outcome, days) in s.attempts) {
            store.recordContactAttemptBlocking(
                pid, NewContactAttempt(channel = ContactChannel.PHONE, outcome = outcome, at = noon(s.received, days)),
            )
        }
        for ((mode, days) in s.consultations) {
            store.addConsultationBlocking(pid, NewConsultation(mode = mode, start = noon(s.received, days), durationMinutes = 30))
        }
        for ((service, statuses) in s.onward) {
            val id = store.addOnwardReferralBlocking(pid, NewOnwardReferral(service = service))
            for (to in statuses) store.transitionOnwardReferralBlocking(id, to)
        }
        for (to in s.path) {
            val reason = if (to == EpisodeStatus.DISCHARGED) DischargeReason.GOALS_MET else null
            store.transitionEpisodeBlocking(pid, EpisodeTransition(to = to, dischargeReason = reason))
        }
        s.anxiety?.let { (before, after) ->
            store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(5L, 5L, 5L, before), noon(s.received, 1)))
            if (after != null) {
                store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(5L, 5L, 5L, after), noon(s.received, 30)))
            }
        }
        pid
    }

    /** Counts of `keys` as a map, with every code of `all` present (zeros included). */
    private fun <E : Enum<E>> tally(all: List<E>, keys: List<E>): Map<String, Int> =
        all.associate { e -> code(e) to keys.count { it == e } }

    private fun List<Count>.asMap(): Map<String, Int> = associate { it.key to it.count }

    private fun referralOutcome(path: List<EpisodeStatus>): String = when {
        EpisodeStatus.ACCEPTED in path -> "accepted"
        else -> when (path.lastOrNull()) {
            null, EpisodeStatus.CONTACTING, EpisodeStatus.ON_HOLD, EpisodeStatus.REFERRED -> "pending"
            EpisodeStatus.DISCHARGED -> "discharged-before-acceptance"
            else -> code(path.last())
        }
    }

    private fun caseloadReportCounts() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val empty = store.caseloadReportBlocking()
            assertEquals(0, empty.people)
            assertEquals(12, empty.pairedChange.size, "one row per quantity, even with no data")
            assertNull(empty.timeToFirstContact.meanDays)

            generate(store)
            val report = store.caseloadReportBlocking()
            val specs = caseload
            assertEquals(12, report.people)
            assertEquals(12, report.referrals)

            // Referrals by source: every source in vocabulary order, then not-recorded.
            val bySource = tally(ReferralSource.entries, specs.mapNotNull { it.source }) +
                ("not-recorded" to specs.count { it.source == null })
            assertEquals(bySource.keys.toList(), report.referralsBySource.map { it.key })
            assertEquals(bySource, report.referralsBySource.asMap())
            assertEquals(
                specs.groupingBy { it.received.take(7) }.eachCount().mapValues { it.value }.toSortedMap(),
                report.referralsByMonth.asMap(),
            )
            assertEquals(listOf("2024-01", "2024-02", "2024-03"), report.referralsByMonth.map { it.key })

            // Outcomes: each referral once by outcome, and by current state.
            val outcomes = specs.map { referralOutcome(it.path) }
            val expectedOutcomes = listOf(
                "accepted", "declined", "unable-to-contact", "redirected", "discharged-before-acceptance", "pending",
            ).associateWith { o -> outcomes.count { it == o } }
            assertEquals(expectedOutcomes, report.outcomes.referralOutcome.asMap())
            assertEquals(expectedOutcomes.keys.toList(), report.outcomes.referralOutcome.map { it.key })
            assertEquals(
                listOf(5, 2, 1),
                listOf(report.outcomes.accepted, report.outcomes.declined, report.outcomes.unableToContact),
            )
            assertEquals(expectedOutcomes["accepted"], report.outcomes.accepted)
            assertEquals(
                tally(EpisodeStatus.entries, specs.map { it.path.lastOrNull() ?: EpisodeStatus.REFERRED }),
                report.outcomes.byStatus.asMap(),
            )

            // Needs (people), consultations by mode.
            assertEquals(tally(Need.entries, specs.flatMap { it.needs.distinct() }), report.needs.asMap())
            assertEquals(3, report.needs.asMap()["loneliness"])
            assertEquals(
                tally(ConsultationMode.entries, specs.flatMap { s -> s.consultations.map { it.first } }),
                report.consultationsByMode.asMap(),
            )

            // Onward referrals by service (sorted by name), with unmet need.
            val onward = specs.flatMap { it.onward }
            val services = onward.map { it.first }.distinct().sorted()
            assertEquals(services, report.onwardByService.map { it.service })
            for (row in report.onwardByService) {
                val mine = onward.filter { it.first == row.service }
                val current = mine.map { it.second.lastOrNull() ?: OnwardStatus.SENT }
                assertEquals(mine.size, row.total, row.service)
                assertEquals(tally(OnwardStatus.entries, current), row.byStatus.asMap(), row.service)
                assertEquals(current.count { it == OnwardStatus.NO_CAPACITY }, row.unmetNeed, row.service)
                assertEquals(
                    mine.count { OnwardStatus.NO_CAPACITY in it.second }, row.everWaitlisted, row.service,
                )
            }
            val debt = report.onwardByService.single { it.service == "Debt advice" }
            assertEquals(Triple(3, 1, 2), Triple(debt.total, debt.unmetNeed, debt.everWaitlisted))
            val allCurrent = onward.map { it.second.lastOrNull() ?: OnwardStatus.SENT }
            assertEquals(tally(OnwardStatus.entries, allCurrent), report.onwardByStatus.asMap())
            assertEquals(1, report.unmetNeed)

            // Time to first contact: the earlier of the first reached attempt and the first
            // consultation, in days from the referral.
            val days = specs.mapNotNull { s ->
                (s.attempts.filter { it.first == ContactOutcome.REACHED }.map { it.second } +
                    s.consultations.map { it.second }).minOrNull()
            }.sorted()
            assertEquals(listOf(0L, 1L, 2L, 2L, 3L, 4L, 5L, 7L), days)
            with(report.timeToFirstContact) {
                assertEquals(days.size, n)
                assertEquals((specs.size - days.size), notContacted)
                assertEquals(days.first(), minDays)
                assertEquals(days.last(), maxDays)
                assertEquals(days.average(), assertNotNull(meanDays), 1e-9)
                assertEquals((days[3] + days[4]) / 2.0, medianDays)
            }

            // Paired change: one row per quantity; ONS4 anxiety over the three complete pairs.
            assertEquals(12, report.pairedChange.size)
            val pairs = specs.mapNotNull { s -> s.anxiety?.let { (b, f) -> f?.let { (f - b).toDouble() } } }.sorted()
            val anxiety = report.pairedChange.single { it.instrument == Instrument.ONS4 && it.quantity == "anxiety" }
            with(anxiety) {
                assertTrue(lowerIsBetter)
                assertEquals(pairs.size, n)
                assertEquals(pairs.average(), assertNotNull(meanChange), 1e-9)
                assertEquals(listOf(1, 1, 1), listOf(improved, same, worse))
                assertEquals(pairs.first(), min)
                assertEquals(pairs[1], median)
                assertEquals(pairs.last(), max)
                assertEquals(17.0 / 3, assertNotNull(meanBaseline), 1e-9)
                assertEquals(14.0 / 3, assertNotNull(meanFollowUp), 1e-9)
            }
            val happiness = report.pairedChange.single { it.quantity == "happiness" }
            assertEquals(Triple(3, 0.0, 3), Triple(happiness.n, happiness.meanChange, happiness.same))
            val wemwbs = report.pairedChange.single { it.instrument == Instrument.WEMWBS }
            assertEquals(0, wemwbs.n)
            assertNull(wemwbs.meanChange)
        }
    }

    // ---- CSV ----------------------------------------------------------------------------------

    private val csvHeaders = linkedMapOf(
        "referrals_by_source.csv" to "source,referrals",
        "referrals_by_month.csv" to "month,referrals",
        "outcomes.csv" to "basis,outcome,referrals",
        "needs.csv" to "need,people",
        "consultations_by_mode.csv" to "mode,consultations",
        "onward_by_service.csv" to
            "service,total," + OnwardStatus.entries.joinToString(",") { code(it) } + ",unmet_need,ever_waitlisted",
        "time_to_first_contact.csv" to "n,median_days,mean_days,min_days,max_days,not_contacted",
        "paired_change.csv" to
            "instrument,quantity,lower_is_better,difference,n,mean_change,mean_baseline,mean_follow_up," +
            "improved,same,worse,min,median,max,meaningful_threshold,meaningfully_improved," +
            "meaningfully_worse,often_always_baseline,often_always_follow_up",
    )

    private fun reportCsv() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            generate(store)
            val out = dir.root.resolve("exports/report") // created on demand
            val written = store.writeReportCsvBlocking(out.toString())
            assertEquals(csvHeaders.keys.map { out.resolve(it).toString() }, written)
            for ((name, header) in csvHeaders) {
                val text = File(out.toFile(), name).readText()
                assertTrue(text.endsWith("\r\n"), "$name: CRLF line endings")
                val lines = text.removeSuffix("\r\n").split("\r\n")
                assertEquals(header, lines.first(), name)
                assertTrue(lines.size > 1, "$name has rows")
            }
            val needs = File(out.toFile(), "needs.csv").readText().split("\r\n")
            assertTrue("loneliness,3" in needs)
            val onward = File(out.toFile(), "onward_by_service.csv").readText().split("\r\n")
            assertEquals(listOf("Debt advice", "Food bank", "Walking group"), onward.drop(1).filter { it.isNotEmpty() }.map { it.substringBefore(',') })
            assertTrue(onward.single { it.startsWith("Debt advice,") }.endsWith(",1,2"), "unmet need 1, ever waitlisted 2")
            val paired = File(out.toFile(), "paired_change.csv").readText().split("\r\n")
            assertTrue(paired.any { it.startsWith("ons4,anxiety,true,follow-up-minus-baseline,3,") }, "anxiety row")

            // Written again into the same directory: replaced, not appended.
            store.writeReportCsvBlocking(out.toString())
            assertEquals(needs, File(out.toFile(), "needs.csv").readText().split("\r\n"))

            // An unwritable target (a file where the directory should be) is a Storage error.
            val blocker = dir.root.resolve("a-file").toFile().apply { writeText("x") }
            assertFailsWith<LinkWorkException.Storage> { store.writeReportCsvBlocking(blocker.resolve("sub").path) }
        }
    }

    // ---- FHIR ---------------------------------------------------------------------------------

    /** A person with an accepted referral, a plan with a goal, a measure, consent and an onward referral. */
    private fun fullRecord(store: LinkWorkStore): String {
        val pid = store.addPersonBlocking(newPerson())
        store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
        store.setWhatMattersBlocking(pid, "Getting out again")
        store.addNeedBlocking(pid, Need.LONELINESS)
        store.addGoalBlocking(pid, NewGoal(text = "Join a walking group", needs = listOf(Need.LONELINESS)))
        store.recordConsentBlocking(
            pid,
            NewConsent(
                purpose = "walking group referral", recipient = "Ramblers", recipientOrg = "LOCAL-RAMBLERS",
                decision = ConsentDecision.GIVEN, method = ConsentMethod.VERBAL, capacity = Capacity.HAS_CAPACITY,
            ),
        )
        val onward = store.addOnwardReferralBlocking(pid, NewOnwardReferral(service = "Walking group", need = "loneliness"))
        store.transitionOnwardReferralBlocking(onward, OnwardStatus.NO_CAPACITY)
        store.recordMeasureBlocking(
            pid,
            measure(Instrument.SWEMWBS, Timepoint.BASELINE, List(7) { 3L }, Instant.now().minus(1, ChronoUnit.DAYS)),
        )
        store.addConsultationBlocking(pid, NewConsultation(mode = ConsultationMode.HOME_VISIT))
        return pid
    }

    @Suppress("UNCHECKED_CAST")
    private fun Any?.obj(): Map<String, Any?> = assertIs<Map<*, *>>(this) as Map<String, Any?>

    private fun Any?.arr(): List<Any?> = assertIs<List<*>>(this)

    private fun resources(json: String): List<Map<String, Any?>> {
        val bundle = Json.parse(json).obj()
        assertEquals("Bundle", bundle["resourceType"])
        assertEquals("collection", bundle["type"])
        return bundle["entry"].arr().map { e ->
            val entry = e.obj()
            assertTrue((entry["fullUrl"] as String).startsWith("urn:uuid:"))
            entry["resource"].obj()
        }
    }

    private fun fhirExport() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = fullRecord(store)
            val full = store.exportFhirBlocking(pid, includeCaseData = true)
            // The text checks the brief asks for, whitespace-tolerant (the JSON is pretty-printed).
            assertTrue(Regex("\"resourceType\"\\s*:\\s*\"Bundle\"").containsMatchIn(full))
            assertTrue(NHS_NUMBER_SYSTEM in full)
            assertTrue(ACCEPTED_CODE in full)

            val all = resources(full)
            val types = all.map { it["resourceType"] as String }
            for (t in listOf(
                "Patient", "EpisodeOfCare", "ServiceRequest", "CarePlan", "Goal", "QuestionnaireResponse",
                "Observation", "Consent", "Encounter",
            )) assertTrue(t in types, "bundle lacks $t: $types")
            val patient = all.single { it["resourceType"] == "Patient" }
            val nhs = patient["identifier"].arr().map { it.obj() }.single { it["system"] == NHS_NUMBER_SYSTEM }
            assertEquals("9434765919", nhs["value"])
            val codings = all.filter { it["resourceType"] == "ServiceRequest" }
                .mapNotNull { it["code"] as Map<*, *>? }
                .flatMap { (it["coding"] as List<*>?).orEmpty() }
                .map { it.obj() }
            assertTrue(codings.any { it["system"] == SNOMED && it["code"] == ACCEPTED_CODE }, "referral coded")
            // Ids in the bundle are unique.
            val ids = all.map { it["resourceType"] as String + "/" + it["id"] as String }
            assertEquals(ids.size, ids.toSet().size)

            // Without case data: no episode, referral, consent or consultation.
            val minimal = store.exportFhirBlocking(pid, includeCaseData = false)
            assertFalse(Regex("\"resourceType\"\\s*:\\s*\"Consent\"").containsMatchIn(minimal))
            val mtypes = resources(minimal).map { it["resourceType"] as String }.toSet()
            assertEquals(setOf("Patient", "CarePlan", "Goal", "QuestionnaireResponse", "Observation"), mtypes)
            assertFalse(ACCEPTED_CODE in minimal)
            assertTrue(NHS_NUMBER_SYSTEM in minimal, "a minimal Patient keeps its identifiers")
            assertFalse("07700 900123" in minimal, "telecom is case data")

            assertFailsWith<LinkWorkException.NotFound> {
                store.exportFhirBlocking("00000000-0000-4000-8000-000000000000", includeCaseData = false)
            }
        }
    }

    // ---- GP message ---------------------------------------------------------------------------

    private fun gpMessage() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = fullRecord(store)
            // ONS4 pair for the summary's measure change.
            store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(4L, 5L, 4L, 8L), noon(day(-20))))
            store.recordMeasureBlocking(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(7L, 7L, 6L, 3L), noon(day(-1))))

            val message = store.gpMessageBlocking(pid, GpEvent.ACCEPTED)
            assertEquals(GpEvent.ACCEPTED, message.event)
            val code = message.codes.single()
            assertEquals(SNOMED, code.system)
            assertEquals(ACCEPTED_CODE, code.code)
            assertTrue(code.display.isNotBlank())
            assertEquals(day(0), code.date)
            assertEquals(day(0), message.date)
            assertEquals("sam.worker", message.linkWorker)
            assertEquals(store.personBlocking(pid).caseRecord!!.episodes.single().id, message.episodeId)
            with(message.patient) {
                assertEquals(pid, personId)
                assertEquals("9434765919", nhsNumber)
                assertEquals(LocalDate.of(1950, 2, 28), dateOfBirth)
            }
            assertFalse(message.codesOnly)
            val summary = assertNotNull(message.summary)
            assertEquals(day(0), summary.referralReceived)
            assertEquals(listOf(Need.LONELINESS), summary.needs)
            assertEquals(listOf(GpGoal("Join a walking group", GoalStatus.ACTIVE)), summary.goals)
            val onward = summary.onwardReferrals.single()
            assertEquals(OnwardStatus.NO_CAPACITY, onward.status)
            assertTrue(onward.unmetNeed)
            assertEquals(1, summary.consultations)
            assertNull(summary.dischargeReason)
            assertEquals(-5.0, summary.measureChange.single { it.quantity == "anxiety" }.difference)

            // The person asked that the GP get codes only: same codes, no summary.
            store.updateDemographicsBlocking(pid, DemographicsUpdate(gpCodesOnly = true))
            val codesOnly = store.gpMessageBlocking(pid, GpEvent.ACCEPTED)
            assertTrue(codesOnly.codesOnly)
            assertNull(codesOnly.summary)
            assertEquals(message.codes, codesOnly.codes)

            // An event the episode is not in is a Conflict; after discharge it fits.
            assertFailsWith<LinkWorkException.Conflict> { store.gpMessageBlocking(pid, GpEvent.DECLINED) }
            assertFailsWith<LinkWorkException.Conflict> { store.gpMessageBlocking(pid, GpEvent.DISCHARGED) }
            store.updateDemographicsBlocking(pid, DemographicsUpdate(gpCodesOnly = false))
            store.transitionEpisodeBlocking(
                pid, EpisodeTransition(to = EpisodeStatus.DISCHARGED, dischargeReason = DischargeReason.GOALS_MET),
            )
            val discharged = store.gpMessageBlocking(pid, GpEvent.DISCHARGED)
            assertTrue(discharged.codes.any { it.code == ACCEPTED_CODE })
            assertEquals(DischargeReason.GOALS_MET, discharged.summary?.dischargeReason)

            // A declined referral: its own code.
            val other = store.addPersonBlocking(newPerson(given = "Bo", nhs = null))
            assertFailsWith<LinkWorkException.Conflict> { store.gpMessageBlocking(other, GpEvent.ACCEPTED) }
            store.transitionEpisodeBlocking(other, EpisodeTransition(to = EpisodeStatus.DECLINED))
            assertEquals(listOf("871711000000103"), store.gpMessageBlocking(other, GpEvent.DECLINED).codes.map { it.code })
        }
    }

    // ---- patient store ------------------------------------------------------------------------

    private fun patientStore() = withTempDir { dir ->
        val (pid, plan) = dir.linkWorkerStore().use { worker ->
            val pid = worker.addPersonBlocking(newPerson())
            recordPairs(worker, pid)
            pid to worker.exportDocumentBlocking(pid, DocKind.PLAN)
        }
        LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { phone ->
            phone.importDocumentBlocking(plan)
            // Their own paired change and a plan-only export are allowed.
            assertEquals(6, phone.pairedChangeBlocking(pid).size)
            val types = resources(phone.exportFhirBlocking(pid, includeCaseData = false)).map { it["resourceType"] }
            assertTrue("CarePlan" in types && "Consent" !in types)
            // The caseload report, its CSV, case data and GP messages are the link worker's.
            assertFailsWith<LinkWorkException.NotPermitted> { phone.caseloadReportBlocking() }
            assertFailsWith<LinkWorkException.NotPermitted> { phone.writeReportCsvBlocking(dir.path("csv")) }
            assertFalse(File(dir.path("csv")).exists(), "nothing written")
            assertFailsWith<LinkWorkException.NotPermitted> { phone.exportFhirBlocking(pid, includeCaseData = true) }
            assertFailsWith<LinkWorkException.NotPermitted> { phone.gpMessageBlocking(pid, GpEvent.ACCEPTED) }
        }
    }
}

/**
 * A tiny strict JSON parser (RFC 8259), enough to check that an export parses: objects become
 * `Map<String, Any?>` (a duplicate key is an error), arrays `List<Any?>`, numbers `Double`.
 */
object Json {
    fun parse(text: String): Any? = Parser(text).document()

    private class Parser(val s: String) {
        var i = 0
        private val number = Regex("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?").toPattern().matcher(s)

        fun document(): Any? {
            val v = value()
            ws()
            if (i != s.length) fail("trailing text")
            return v
        }

        fun fail(what: String): Nothing = throw IllegalArgumentException("JSON: $what at offset $i")

        fun ws() {
            while (i < s.length && s[i] in " \t\r\n") i++
        }

        fun peek(): Char = if (i < s.length) s[i] else fail("unexpected end")

        fun expect(c: Char) {
            if (peek() != c) fail("expected '$c'")
            i++
        }

        fun value(): Any? {
            ws()
            return when (peek()) {
                '{' -> obj()
                '[' -> arr()
                '"' -> str()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> num()
            }
        }

        fun literal(word: String, v: Any?): Any? {
            if (!s.startsWith(word, i)) fail("bad literal")
            i += word.length
            return v
        }

        fun obj(): Map<String, Any?> {
            expect('{')
            val m = LinkedHashMap<String, Any?>()
            ws()
            if (peek() == '}') return m.also { i++ }
            while (true) {
                ws()
                val k = str()
                ws()
                expect(':')
                if (m.containsKey(k)) fail("duplicate key \"$k\"")
                m[k] = value()
                ws()
                if (peek() == ',') i++ else return m.also { expect('}') }
            }
        }

        fun arr(): List<Any?> {
            expect('[')
            val l = ArrayList<Any?>()
            ws()
            if (peek() == ']') return l.also { i++ }
            while (true) {
                l.add(value())
                ws()
                if (peek() == ',') i++ else return l.also { expect(']') }
            }
        }

        fun str(): String {
            expect('"')
            val b = StringBuilder()
            while (true) {
                val c = peek()
                i++
                when {
                    c == '"' -> return b.toString()
                    c < ' ' -> fail("control character in string")
                    c == '\\' -> {
                        val e = peek()
                        i++
                        when (e) {
                            '"', '\\', '/' -> b.append(e)
                            'b' -> b.append('\b')
                            'f' -> b.append('\u000c')
                            'n' -> b.append('\n')
                            'r' -> b.append('\r')
                            't' -> b.append('\t')
                            'u' -> {
                                if (i + 4 > s.length) fail("short \\u escape")
                                b.append(s.substring(i, i + 4).toIntOrNull(16)?.toChar() ?: fail("bad \\u escape"))
                                i += 4
                            }
                            else -> fail("bad escape")
                        }
                    }
                    else -> b.append(c)
                }
            }
        }

        fun num(): Double {
            number.region(i, s.length)
            if (!number.lookingAt()) fail("bad value")
            i = number.end()
            return number.group().toDouble()
        }
    }
}
