//! Typed ids of what the store numbers: a team's id cannot be passed where
//! an incident's is meant. Serialised as the plain number; shown as people
//! write them (`INC-3`, `T-7`; a message's plain number). With the `sql` feature, the store
//! binds and reads them as integer columns.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$meta:meta])* $name:ident, $show:literal) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// Not stored yet (the store gives the real id); as a cursor,
            /// before the first.
            pub const NEW: Self = Self(0);
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $show, self.0)
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }
    };
}

id!(
    /// A team (its name is what people use; this is the store's key).
    TeamId,
    "{}"
);
id!(
    /// An incident, shown as `INC-3`.
    IncidentId,
    "INC-{}"
);
id!(
    /// A message, shown as its number (people read it after a `#`).
    MessageId,
    "{}"
);
id!(
    /// A todo, shown as `T-7`.
    TodoId,
    "T-{}"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_show_as_people_write_them_and_serialise_as_numbers() {
        assert_eq!(IncidentId(3).to_string(), "INC-3");
        assert_eq!(TodoId(7).to_string(), "T-7");
        assert_eq!(format!("#{}", MessageId(12)), "#12");
        assert_eq!(serde_json::to_string(&TeamId(4)).expect("json"), "4");
    }
}
