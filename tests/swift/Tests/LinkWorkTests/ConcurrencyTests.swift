// Concurrent calls on one store from several threads (GCD) and from Swift tasks, and the
// Sendable conformances a Swift 6 app relies on.
import Foundation
import XCTest
import LinkWork

/// Compiles only when `T` is Sendable: Swift 6 apps pass these across actors and tasks.
private func requireSendable<T: Sendable>(_: T.Type) {}

final class ConcurrencyTests: LinkWorkTestCase {
    func testTypesAreSendable() {
        requireSendable(LinkWorkStore.self)
        requireSendable(LinkWorkError.self)
        requireSendable(PersonRecord.self)
        requireSendable(Plan.self)
        requireSendable(CaseloadEntry.self)
        requireSendable(HistoryEntry.self)
        requireSendable(NewPerson.self)
        requireSendable(ScoreOutcome.self)
        requireSendable(EpisodeStatus.self)
        requireSendable(Recorder.self)
    }

    func testConcurrentPerformGoalsAndProgressOnOnePersonAllLand() throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        let recorder = Recorder()
        _ = store.addListener(listener: recorder)
        let iterations = 8
        let progressPerGoal = 3
        let goals = Collector<String>()

        DispatchQueue.concurrentPerform(iterations: iterations) { i in
            do {
                let goal = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Goal \(i)"))
                for r in 0..<progressPerGoal {
                    _ = try store.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: Int32(r + i % 5), note: "entry \(r)"))
                }
                _ = try store.planBlocking(personId: pid) // reads interleave with the writes
                goals.add(goal)
            } catch {
                goals.fail(error)
            }
        }

        XCTAssertTrue(goals.failures.isEmpty, "\(goals.failures)")
        let plan = try store.planBlocking(personId: pid)
        XCTAssertEqual(plan.goals.count, iterations)
        XCTAssertEqual(Set(plan.goals.map(\.id)), Set(goals.all))
        XCTAssertEqual(Set(plan.goals.map(\.text)), Set((0..<iterations).map { "Goal \($0)" }))
        for goal in plan.goals {
            XCTAssertEqual(goal.progress.map(\.note), (0..<progressPerGoal).map { "entry \($0)" }, goal.text)
        }
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery()).first?.activeGoals, Int32(iterations))
        XCTAssertEqual(recorder.calls.count, iterations * (1 + progressPerGoal))
        XCTAssertTrue(recorder.calls.allSatisfy { $0 == [pid] })
        XCTAssertEqual(
            try store.historyBlocking(personId: pid).filter { $0.action == "goal.progress" }.count,
            iterations * progressPerGoal
        )
    }

    func testConcurrentPerformPeopleOnEightThreadsAllLand() throws {
        let store = try linkWorkerStore()
        let iterations = 8
        let peoplePerThread = 3
        let goalsPerPerson = 3
        let recorder = Recorder()
        _ = store.addListener(listener: recorder)
        let people = Collector<String>()

        DispatchQueue.concurrentPerform(iterations: iterations) { t in
            do {
                for p in 0..<peoplePerThread {
                    let pid = try store.addPersonBlocking(person: newPerson(given: "Person\(t)", family: "Number\(p)", nhs: nil))
                    for g in 0..<goalsPerPerson {
                        let goal = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Goal \(g)"))
                        _ = try store.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: Int32(g)))
                    }
                    _ = try store.caseloadBlocking(query: CaseloadQuery(text: "Person\(t)"))
                    _ = try store.personBlocking(personId: pid)
                    people.add(pid)
                }
            } catch {
                people.fail(error)
            }
        }

        XCTAssertTrue(people.failures.isEmpty, "\(people.failures)")
        let caseload = try store.caseloadBlocking(query: CaseloadQuery())
        XCTAssertEqual(caseload.count, iterations * peoplePerThread)
        XCTAssertEqual(Set(caseload.map(\.personId)), Set(people.all))
        XCTAssertTrue(caseload.allSatisfy { $0.activeGoals == Int32(goalsPerPerson) })
        for pid in people.all {
            let goals = try store.planBlocking(personId: pid).goals
            XCTAssertEqual(goals.count, goalsPerPerson)
            XCTAssertTrue(goals.allSatisfy { $0.progress.count == 1 })
        }
        let notified = recorder.calls.reduce(0) { $0 + $1.count }
        XCTAssertEqual(notified, iterations * peoplePerThread * (1 + 2 * goalsPerPerson))
    }

    func testSwiftTasksShareOneStore() async throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        let tasks = 8
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<tasks {
                group.addTask {
                    let goal = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Task goal \(i)"))
                    _ = try store.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: 7))
                    return goal
                }
            }
            var ids: [String] = []
            for try await id in group { ids.append(id) }
            return ids
        }
        XCTAssertEqual(ids.count, tasks)
        let plan = try store.planBlocking(personId: pid)
        XCTAssertEqual(Set(plan.goals.map(\.id)), Set(ids))
        XCTAssertTrue(plan.goals.allSatisfy { $0.progress.map(\.rating) == [7] })
    }

    func testErrorsCrossTasksAsLinkWorkError() async throws {
        let store = try linkWorkerStore()
        let task = Task.detached { () throws -> PersonRecord in
            try store.personBlocking(personId: UUID().uuidString.lowercased())
        }
        do {
            _ = try await task.value
            XCTFail("person of an unknown id returned")
        } catch LinkWorkError.notFound(let kind, _) {
            XCTAssertEqual(kind, "person")
        }
    }
}
