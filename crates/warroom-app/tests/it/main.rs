//! The incident report, rendered from fixed data and compared with a snapshot.

mod report;
