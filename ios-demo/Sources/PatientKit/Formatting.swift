import Foundation
import LinkWork

/// The words and dates the screens show, in one place (British English, as the service).
public enum Formatting {
    private static func dayFormatter(_ timeZone: TimeZone) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = timeZone
        f.dateFormat = "d MMM yyyy"
        return f
    }

    // Formatters are built once and never changed afterwards, so they may be shared.
    private static let localDay = dayFormatter(.current)
    private static let utcDay = dayFormatter(TimeZone(identifier: "UTC")!)

    private static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// An instant as a day, e.g. "21 Nov 2026" (in the phone's time zone).
    public static func day(_ date: Date) -> String {
        localDay.string(from: date)
    }

    /// A calendar date from the store (year, month, day) as a day, e.g. "28 Nov 2026"; empty
    /// if the components are not a date.
    public static func day(_ date: DateComponents) -> String {
        let ymd = DateComponents(year: date.year, month: date.month, day: date.day)
        guard ymd.year != nil, ymd.month != nil, ymd.day != nil, let at = utcCalendar.date(from: ymd) else { return "" }
        return utcDay.string(from: at)
    }

    /// A goal's status in the person's words.
    public static func status(_ status: GoalStatus) -> String {
        switch status {
        case .active: return "Working on it"
        case .achieved: return "Achieved"
        case .partlyAchieved: return "Partly achieved"
        case .notAchieved: return "Not achieved"
        case .dropped: return "Stopped"
        }
    }

    /// Who does a step, as the person reads it.
    public static func owner(_ owner: StepOwner, name: String?) -> String {
        switch owner {
        case .person: return "You"
        case .linkWorker: return "Your link worker"
        case .service: return name ?? "A service"
        case .other: return name ?? "Someone else"
        }
    }

    /// Who recorded something: "You" for the person's own store user, else "Your link worker".
    public static func recorder(_ user: String, me: String) -> String {
        user == me ? "You" : "Your link worker"
    }

    /// An ONS4 item's name.
    public static func ons4Item(_ item: Ons4Measure) -> String {
        switch item {
        case .lifeSatisfaction: return "Life satisfaction"
        case .worthwhile: return "Things you do are worthwhile"
        case .happiness: return "Happiness yesterday"
        case .anxiety: return "Anxiety yesterday"
        }
    }

    /// An ONS4 band in words.
    public static func band(_ band: Ons4Band) -> String {
        switch band {
        case .veryLow: return "very low"
        case .low: return "low"
        case .medium: return "medium"
        case .high: return "high"
        case .veryHigh: return "very high"
        }
    }

    /// The name of a quantity in a measure change (`ItemChange.name`).
    public static func quantity(_ name: String) -> String {
        switch name {
        case "life-satisfaction": return ons4Item(.lifeSatisfaction)
        case "worthwhile": return ons4Item(.worthwhile)
        case "happiness": return ons4Item(.happiness)
        case "anxiety": return ons4Item(.anxiety)
        case "metric": return "Wellbeing score"
        default: return name
        }
    }

    /// A score as the lines a result screen shows. ONS4 has no total: one line per item with
    /// its band. SWEMWBS shows the metric score (the raw sum is not the reported score).
    public static func scoreLines(_ outcome: ScoreOutcome?) -> [String] {
        switch outcome {
        case nil:
            return []
        case let .incomplete(missing)?:
            return ["Not complete: \(missing.count) question\(missing.count == 1 ? "" : "s") unanswered, so no score"]
        case let .scored(score)?:
            switch score {
            case let .ons4(items):
                return items.map { "\(ons4Item($0.item)): \($0.value) out of 10 (\(band($0.band)))" }
            case let .swemwbs(_, metric):
                return ["Wellbeing score: \(String(format: "%.2f", metric)) (from 7 to 35)"]
            case let .wemwbs(total):
                return ["Wellbeing score: \(total) (from 14 to 70)"]
            case let .ucla3(total):
                return ["Loneliness score: \(total) (from 3 to 9)"]
            case let .lonelinessDirect(answer, _):
                return ["Loneliness answer: \(answer) (from 1 to 5)"]
            case let .mycaw(concerns, wellbeing):
                return concerns.enumerated().map { "Concern \($0.offset + 1): \($0.element) (0 is best)" }
                    + ["Wellbeing: \(wellbeing) (0 is best)"]
            }
        }
    }

    /// One line per quantity of a change between two scores, e.g.
    /// "Life satisfaction: 5 → 7, better".
    public static func changeLines(_ changes: [ItemChange]) -> [String] {
        changes.map { change in
            let verdict: String
            switch change.improved {
            case true?: verdict = "better"
            case false?: verdict = "worse"
            case nil: verdict = "the same"
            }
            return "\(quantity(change.name)): \(number(change.baseline)) → \(number(change.followUp)), \(verdict)"
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
