import Foundation
import LinkWork

/// The link worker's side of the story, on their own store: what they record with the person
/// at a home visit (plan and case), and what their phone shows afterwards.
enum LinkWorker {
    /// A case note only the team may see: the demo checks it never reaches the person's phone.
    static let confidentialNote = "Low mood since bereavement; daughter worried. Review at next visit."

    /// Records a referral, acceptance, what matters, goals and steps (the plan, shared with
    /// the person) and a home visit, a flag and a case note (the case, link-worker only).
    /// Returns the person's id, which the link worker's app shows as a pairing code.
    static func setUpPlan(_ store: LinkWorkStore) throws -> (personId: String, walking: String, money: String) {
        let pid = try store.addPersonBlocking(person: NewPerson(
            givenName: "Ada", familyName: "Lovelace", dateOfBirth: DateComponents(year: 1950, month: 2, day: 28), nhsNumber: "943 476 5919",
            phone: "07700 900123", preferredContact: .phone,
            referral: NewReferral(source: .gp, referrer: "Dr Patel", reasons: ["isolated since bereavement"],
                                  urgency: .routine, consentToContact: true)))
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .contacting))
        _ = try store.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted))

        // The plan: shared with the person.
        try store.setWhatMattersBlocking(personId: pid, text: "Getting out of the house and seeing people again")
        try store.addNeedBlocking(personId: pid, need: .loneliness, note: nil)
        try store.addNeedBlocking(personId: pid, need: .debt, note: nil)
        let walking = try store.addGoalBlocking(personId: pid, goal: NewGoal(
            text: "Join a walking group", needs: [.loneliness], targetDate: isoDay(60)))
        let money = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Sort out the gas bill arrears", needs: [.debt]))
        _ = try store.addStepBlocking(personId: pid, step: NewStep(
            text: "Ring the walking group leader", owner: .person, goalId: walking, due: isoDay(3)))
        _ = try store.addStepBlocking(personId: pid, step: NewStep(
            text: "Ask Citizens Advice about a payment plan", owner: .linkWorker, goalId: money, due: isoDay(7)))
        _ = try store.addStepBlocking(personId: pid, step: NewStep(
            text: "Bring the gas bill to the drop-in", owner: .person, goalId: money, due: isoDay(10)))

        // The case: link-worker only.
        let visit = try store.addConsultationBlocking(personId: pid, consultation: NewConsultation(
            mode: .homeVisit, durationMinutes: 45, attendees: ["daughter"]))
        try store.checkInBlocking(consultationId: visit)
        try store.setConsultationNotesBlocking(consultationId: visit, notes: "Talked about walking groups near her")
        try store.checkOutBlocking(consultationId: visit)
        _ = try store.addCaseNoteBlocking(personId: pid, text: confidentialNote)
        return (pid, walking, money)
    }

    /// Today plus `days`, as the calendar date (year, month, day) the API takes (UTC, as the
    /// core reckons dates).
    static func isoDay(_ days: Int) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(byAdding: .day, value: days, to: Date())!
        return calendar.dateComponents([.year, .month, .day], from: date)
    }
}
