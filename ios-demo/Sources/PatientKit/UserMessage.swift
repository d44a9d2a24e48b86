import LinkWork

/// A message a screen shows when something went wrong: plain words for the person, built from
/// the error's kind and field only, never from patient data.
public struct UserMessage: Equatable, Sendable {
    /// One short line.
    public var title: String
    /// What the person can do about it.
    public var detail: String
    /// Whether trying the same thing again later may work.
    public var canRetry: Bool

    /// A message with a title, advice and whether retrying may help.
    public init(title: String, detail: String, canRetry: Bool = false) {
        self.title = title
        self.detail = detail
        self.canRetry = canRetry
    }

    /// The message for any error a PatientKit call throws.
    public init(_ error: Error) {
        switch error {
        case let error as LinkWorkError: self = UserMessage(error)
        case let error as PatientKitError: self = UserMessage(error)
        case is TransportClosed: self = UserMessage(PatientKitError.peerLeftEarly)
        case let error as TransportError: self = UserMessage(error)
        case is CancellationError:
            self.init(title: "Stopped", detail: "Nothing was lost.", canRetry: true)
        default:
            self.init(title: "Something went wrong", detail: "Please try again. If it keeps happening, tell your link worker.",
                      canRetry: true)
        }
    }

    /// The message for a store or sync error.
    public init(_ error: LinkWorkError) {
        switch error {
        case .notFound:
            self.init(title: "This is no longer in your plan",
                      detail: "Your link worker may have changed it. Your plan has been reloaded.")
        case let .invalidInput(field, _):
            self.init(title: "Please check your answer", detail: Self.advice(forField: field))
        case .conflict:
            self.init(title: "Already done", detail: "Your plan has been reloaded to show where things are.")
        case .notPermitted:
            self.init(title: "Only your link worker can do that",
                      detail: "Talk to them next time you meet.")
        case .wrongKey:
            self.init(title: "Your plan could not be unlocked",
                      detail: "This phone's key for your plan is missing. Your link worker can set the app up again and sync your plan back.")
        case .updateRequired:
            self.init(title: "Please update the app",
                      detail: "A newer version of the app changed your plan. Update to see and edit everything; nothing has been lost.")
        case .storage:
            self.init(title: "Your plan could not be opened",
                      detail: "Restart the app. If it keeps happening, your link worker can help you set it up again.")
        case .untrusted:
            self.init(title: "Not paired, or the other phone is not trusted",
                      detail: "Nothing was shared. Check the code with your link worker's phone and try again while you are together.")
        case let .sync(retryable, _):
            self.init(title: "Sync did not finish",
                      detail: retryable ? "Stay close to your link worker's phone and try again."
                                        : "Try again with your link worker. If it keeps happening, they can help.",
                      canRetry: retryable)
        case .enrolmentRefused(.codeNotValid), .enrolmentRefused(.requestRefused):
            self.init(title: "That code did not work",
                      detail: "Ask your link worker for a new code.")
        case .enrolmentRefused(.unavailable):
            self.init(title: "Your team's service is unavailable",
                      detail: "Try again later.", canRetry: true)
        case let .hub(retryable, _):
            self.init(title: "Sync with your team did not finish",
                      detail: retryable ? "Try again when you have signal." : "Update the app and try again.",
                      canRetry: retryable)
        case .unexpected:
            self.init(title: "Something went wrong",
                      detail: "Please try again. If it keeps happening, tell your link worker.", canRetry: true)
        }
    }

    /// The message for PatientKit's own errors.
    public init(_ error: PatientKitError) {
        switch error {
        case .notAPatientStore:
            self.init(title: "This phone is not set up for you yet",
                      detail: "Pair with your link worker's phone to get your plan.")
        case .peerLeftEarly:
            self.init(title: "Sync did not finish",
                      detail: "The other phone went away. Stay close and try again.", canRetry: true)
        case .peerNotALinkWorker:
            self.init(title: "That is not your link worker's phone",
                      detail: "Your plan only syncs with your link worker.")
        }
    }

    /// The message for a connection to the link worker's phone that failed.
    public init(_ error: TransportError) {
        switch error {
        case .badAddress:
            self.init(title: "Please check the address",
                      detail: "Type the address your link worker's phone shows on its Sync screen, like 192.168.1.20:7701.")
        case .unreachable:
            self.init(title: "Could not reach your link worker's phone",
                      detail: "Check that both phones are on the same Wi-Fi and that your link worker's phone is waiting for you, then try again.",
                      canRetry: true)
        case .timedOut:
            self.init(title: "Sync did not finish",
                      detail: "The other phone stopped answering. Stay close and try again.", canRetry: true)
        case .cutOff:
            self = UserMessage(PatientKitError.peerLeftEarly)
        case .oversized:
            self.init(title: "That is not your link worker's phone",
                      detail: "Something else answered at that address. Check the address and try again.")
        }
    }

    /// What to fix for a refused field (field names come from the store's errors).
    static func advice(forField field: String) -> String {
        switch field {
        case "rating": return "Choose a number from 0 to 10."
        case "note": return "Your note is too long. Please shorten it."
        case "progress": return "Add a rating, a note, or both."
        case "answers": return "Answer every question with one of the choices."
        default: return "Something in what you entered was not accepted. Please check it."
        }
    }
}
