//! The `Code` trait: every closed vocabulary is stored in documents as a stable kebab-case code.

/// A closed vocabulary stored as a stable kebab-case code (the document and CLI spelling).
pub trait Code: Sized + Copy + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// The stable code (kebab-case) used in documents, the CLI and reports.
    fn code(self) -> &'static str;
    /// Parses a code; `None` when unknown.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
    /// Parses a caller-supplied code, naming `field` in the error.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] listing the accepted codes.
    fn parse(field: &'static str, code: &str) -> crate::Result<Self> {
        Self::from_code(code.trim()).ok_or_else(|| {
            let accepted: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
            crate::Error::invalid(field, format!("expected one of {}", accepted.join(", ")))
        })
    }
}

/// Declares a closed vocabulary enum with serde kebab-case codes and a [`Code`] impl.
macro_rules! code_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant,)+
        }
        impl $crate::model::Code for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)+];
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::model::Code::code(*self))
            }
        }
    };
}
pub(crate) use code_enum;
