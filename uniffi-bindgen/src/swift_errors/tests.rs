use super::*;

/// A trimmed copy of what uniffi 0.32.2 generates: an error enum (one case a keyword once
/// lowered), its converter, a doc comment naming a case, and a non-error enum.
const GENERATED: &str = r#"
/**
 * Missing is `DemoError.NotFound`; `OtherError.NotFound` is another type.
 */
public 
enum DemoError: Swift.Error, Equatable, Hashable, Foundation.LocalizedError {

    /**
     * Not there.
     */
    case NotFound(
        /**
         * The kind.
         */kind: String, 
        id: String
    )
    case Default(
        reason: String
    )
    case HTTPFailed

    public var errorDescription: String? {
        String(reflecting: self)
    }
}

public struct FfiConverterTypeDemoError: FfiConverterRustBuffer {
    typealias SwiftType = DemoError

    public static func read(from buf: inout (data: Data, offset: Data.Index)) throws -> DemoError {
        let variant: Int32 = try readInt(&buf)
        switch variant {
        case 1: return .NotFound(
            kind: try FfiConverterString.read(from: &buf), 
            id: try FfiConverterString.read(from: &buf)
            )
        case 2: return .Default(
            reason: try FfiConverterString.read(from: &buf)
            )
        case 3: return .HTTPFailed
         default: throw UniffiInternalError.unexpectedEnumCase
        }
    }

    public static func write(_ value: DemoError, into buf: inout [UInt8]) {
        switch value {
        case let .NotFound(kind,id):
            writeInt(&buf, Int32(1))
            FfiConverterString.write(kind, into: &buf)
            FfiConverterString.write(id, into: &buf)
        case let .Default(reason):
            writeInt(&buf, Int32(2))
            FfiConverterString.write(reason, into: &buf)
        case .HTTPFailed:
            writeInt(&buf, Int32(3))
        }
    }
}

public enum Refusal {
    case codeNotValid
    case NotFound
}
"#;

#[test]
fn renames_cases_converter_and_qualified_uses() -> Result<(), ShapeError> {
    let out = lower_error_cases(GENERATED)?;
    for expected in [
        "    case notFound(\n",
        "    case `default`(\n",
        "    case httpFailed\n",
        "case 1: return .notFound(",
        "case 2: return .default(",
        "case 3: return .httpFailed\n",
        "case let .notFound(kind,id):",
        "case let .default(reason):",
        "case .httpFailed:",
        "`DemoError.notFound`",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // not renamed: another type's case, the non-error enum, the converter's `default:`
    assert!(out.contains("`OtherError.NotFound`"));
    assert!(out.contains("    case codeNotValid\n    case NotFound\n"));
    assert!(out.contains("default: throw UniffiInternalError.unexpectedEnumCase"));
    assert!(!out.contains(".NotFound(") && !out.contains(".HTTPFailed"));
    Ok(())
}

#[test]
fn second_run_changes_nothing() -> Result<(), ShapeError> {
    let once = lower_error_cases(GENERATED)?;
    assert_eq!(lower_error_cases(&once)?, once);
    Ok(())
}

#[test]
fn qualified_uses_in_another_file_are_renamed() -> Result<(), ShapeError> {
    let renames = error_cases(GENERATED)?;
    let other = "/// throws `DemoError.NotFound`; `DemoError.NotFoundYet` is not a case\n";
    assert_eq!(
        apply_renames(other, &renames)?,
        "/// throws `DemoError.notFound`; `DemoError.NotFoundYet` is not a case\n"
    );
    Ok(())
}

#[test]
fn converter_missing_a_case_is_refused() {
    let broken = GENERATED.replace("case 3: return .HTTPFailed", "case 3: return .other");
    assert!(lower_error_cases(&broken).is_err());
}

#[test]
fn missing_converter_is_refused() {
    let broken = GENERATED.replace("FfiConverterTypeDemoError:", "FfiConverterTypeRenamed:");
    assert!(lower_error_cases(&broken).is_err());
}

#[test]
fn unclosed_or_empty_error_enum_is_refused() {
    let unclosed = "enum E: Swift.Error {\n    case A(\n";
    assert!(error_cases(unclosed).is_err());
    let empty = "enum E: Swift.Error {\n}\n";
    assert!(error_cases(empty).is_err());
}

#[test]
fn lower_camel_handles_acronyms() {
    assert_eq!(lower_camel("NotFound"), "notFound");
    assert_eq!(lower_camel("HTTPFailed"), "httpFailed");
    assert_eq!(lower_camel("IO"), "io");
    assert_eq!(lower_camel("notFound"), "notFound");
}
