// The community services directory (Open Referral UK) through the Kotlin API: the import report
// and a service's full record crossing. Search filters and refusals are tested in Rust
// (core/src/directory/tests.rs).
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object DirectoryTests {
    val all: List<TestCase> = listOf(
        TestCase("directory import: per-record report, version, same content unchanged", ::importReports),
        TestCase("directory service: the full record; unknown id is NotFound", ::showService),
    )

    /** A real-shaped ORUK `/services` page with the messy cases: HTML, a latitude of 100, an
     *  unknown taxonomy, a duplicate id and a blank name. */
    val FEED = """
{"total_items": 5, "total_pages": 1, "page_number": 1, "size": 5, "first_page": true, "last_page": true, "empty": false,
 "contents": [
  {"id": "svc-lunch", "name": "Lunch Club", "description": "<p>Hot lunch &amp; a chat</p>", "status": "active",
   "minimum_age": 60, "last_modified": "2026-11-02T09:15:00Z",
   "organization": {"id": "org-1", "name": "Chapeltown Community Centre"},
   "schedules": [{"id": "s1", "freq": "WEEKLY", "byday": "TU,TH", "opens_at": "12:00", "closes_at": "14:00"}],
   "service_at_locations": [{"id": "sal1", "location": {"id": "l1", "name": "Centre", "latitude": 53.8185, "longitude": -1.5330,
     "addresses": [{"id": "a1", "address_1": "6 Reginald Terrace", "city": "Leeds", "postal_code": "LS7 3HB"}]}}],
   "phones": [{"id": "p1", "number": "0113 496 0001"}],
   "attributes": [{"id": "at1", "taxonomy_term": {"id": "tt-lonely", "code": "loneliness", "name": "Loneliness and isolation", "taxonomy": "esdNeeds"}}],
   "cost_options": [{"id": "c1", "amount": 3.5, "currency": "GBP", "amount_description": "per meal"}]},
  {"id": "svc-garden", "name": "Youth Gardening", "description": "Allotment sessions", "minimum_age": 16, "maximum_age": 25,
   "schedules": [{"id": "s2", "freq": "WEEKLY", "byday": "SA"}],
   "service_at_locations": [{"id": "sal2", "location": {"id": "l2", "latitude": 53.8200, "longitude": -1.5760,
     "addresses": [{"id": "a2", "address_1": "Hyde Park Road", "city": "Leeds", "postal_code": "LS6 2QF"}]}}],
   "attributes": [{"id": "at2", "taxonomy_term": {"id": "tt-green", "name": "Gardening and green space", "taxonomy": "LocalTags"}}]},
  {"id": "svc-debt", "name": "Debt Advice",
   "service_at_locations": [{"id": "sal3", "location": {"id": "l3", "latitude": 100, "longitude": 101,
     "addresses": [{"id": "a3", "address_1": "31 Wellington Street", "city": "Leeds", "postal_code": "LS1 4AP"}]}}]},
  {"id": "svc-lunch", "name": "Lunch Club again"},
  {"id": "svc-x", "name": ""}
 ]}
""".trimIndent()

    private suspend fun imported(dir: TempDir): LinkWorkStore {
        val store = dir.linkWorkerStore()
        store.directoryImport(FEED.toByteArray(), "small.json")
        return store
    }

    private suspend fun importReports() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            assertNull(store.directoryVersion())
            val report = store.directoryImport(FEED.toByteArray(), "small.json")
            assertEquals(DirectoryImportOutcome.REPLACED, report.outcome)
            assertEquals(listOf(5, 3, 2), listOf(report.records, report.imported, report.skipped))
            fun has(index: Int, field: String, kind: FeedIssueKind, action: FeedIssueAction) =
                report.issues.any { it.index == index && it.field == field && it.kind == kind && it.action == action }
            assertTrue(has(0, "description", FeedIssueKind.HTML, FeedIssueAction.CLEANED))
            assertTrue(has(1, "attributes[0].taxonomy_term.taxonomy", FeedIssueKind.UNKNOWN_TAXONOMY, FeedIssueAction.KEPT))
            assertTrue(has(2, "service_at_locations[0].location.latitude", FeedIssueKind.INVALID_VALUE, FeedIssueAction.FIELD_DROPPED))
            assertTrue(has(3, "id", FeedIssueKind.DUPLICATE_ID, FeedIssueAction.SKIPPED))
            assertTrue(has(4, "name", FeedIssueKind.MISSING, FeedIssueAction.SKIPPED))
            assertEquals(3, report.version.services)
            assertEquals(64, report.version.contentHash.length)
            assertEquals(report.version, store.directoryVersion())
            val again = store.directoryImport(FEED.toByteArray(), "again.json")
            assertEquals(DirectoryImportOutcome.UNCHANGED, again.outcome)
            assertEquals(report.version, again.version)
        }
    }

    private suspend fun showService() = withTempDir { dir ->
        imported(dir).use { store ->
            val s = store.directoryService("svc-lunch")
            assertEquals("Lunch Club", s.name)
            assertEquals("Hot lunch & a chat", s.description)
            assertEquals("Chapeltown Community Centre", s.organization?.name)
            assertEquals("LS7 3HB", s.locations.single().postcode)
            assertEquals("TU,TH", s.schedules.single().byday)
            assertEquals(60, s.minimumAge)
            assertEquals("0113 496 0001", s.phones.single().number)
            assertEquals("esdNeeds", s.taxonomyTerms.single().taxonomy)
            assertEquals(3.5, s.costOptions.single().amount)
            assertNull(store.directoryService("svc-debt").locations.single().latitude)
            val e = assertFailsWith<LinkWorkException.NotFound> { store.directoryService("svc-nope") }
            assertEquals("directory service", e.kind)
        }
    }
}
