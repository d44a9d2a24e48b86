// The community services directory (Open Referral UK) through the Swift API: the import report
// and a service's full record crossing. Search filters and refusals are tested in Rust
// (core/src/directory/tests.rs).
import Foundation
import XCTest
import LinkWork

/// A real-shaped ORUK `/services` page with the messy cases: HTML, a latitude of 100, an
/// unknown taxonomy, a duplicate id and a blank name.
let directoryFeed = #"""
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
"""#

final class DirectoryTests: LinkWorkTestCase {
    private func imported() throws -> LinkWorkStore {
        let store = try linkWorkerStore()
        _ = try store.directoryImportBlocking(feed: Data(directoryFeed.utf8), source: "small.json")
        return store
    }

    private func names(_ store: LinkWorkStore, _ query: DirectoryQuery) throws -> [String] {
        try store.directorySearchBlocking(query: query).hits.map { $0.name }
    }

    func testImportReportsEachBadRecordAndStoresAVersion() throws {
        let store = try linkWorkerStore()
        XCTAssertNil(try store.directoryVersionBlocking())
        let report = try store.directoryImportBlocking(feed: Data(directoryFeed.utf8), source: "small.json")
        XCTAssertEqual(report.outcome, .replaced)
        XCTAssertEqual([report.records, report.imported, report.skipped], [5, 3, 2])
        func has(_ index: Int32, _ field: String, _ kind: FeedIssueKind, _ action: FeedIssueAction) -> Bool {
            report.issues.contains { $0.index == index && $0.field == field && $0.kind == kind && $0.action == action }
        }
        XCTAssertTrue(has(0, "description", .html, .cleaned))
        XCTAssertTrue(has(1, "attributes[0].taxonomy_term.taxonomy", .unknownTaxonomy, .kept))
        XCTAssertTrue(has(2, "service_at_locations[0].location.latitude", .invalidValue, .fieldDropped))
        XCTAssertTrue(has(3, "id", .duplicateId, .skipped))
        XCTAssertTrue(has(4, "name", .missing, .skipped))
        XCTAssertEqual(report.version.services, 3)
        XCTAssertEqual(try store.directoryVersionBlocking(), report.version)
        let again = try store.directoryImportBlocking(feed: Data(directoryFeed.utf8), source: "again.json")
        XCTAssertEqual(again.outcome, .unchanged)
        XCTAssertEqual(again.version, report.version)
    }

    func testShowReturnsTheFullRecord() throws {
        let store = try imported()
        let s = try store.directoryServiceBlocking(serviceId: "svc-lunch")
        XCTAssertEqual(s.name, "Lunch Club")
        XCTAssertEqual(s.description, "Hot lunch & a chat")
        XCTAssertEqual(s.organization?.name, "Chapeltown Community Centre")
        XCTAssertEqual(s.locations.first?.postcode, "LS7 3HB")
        XCTAssertEqual(s.schedules.first?.byday, "TU,TH")
        XCTAssertEqual(s.minimumAge, 60)
        XCTAssertEqual(s.phones.first?.number, "0113 496 0001")
        XCTAssertEqual(s.taxonomyTerms.first?.taxonomy, "esdNeeds")
        XCTAssertEqual(s.costOptions.first?.amount, 3.5)
        XCTAssertNil(try store.directoryServiceBlocking(serviceId: "svc-debt").locations.first?.latitude)
        assertNotFound(try store.directoryServiceBlocking(serviceId: "svc-nope"), kind: "directory service")
    }
}
