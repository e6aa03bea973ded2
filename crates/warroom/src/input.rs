//! Reading a message from an argument, a file or standard input, refusing
//! oversize input before anything else happens.

use std::io::Read;

use anyhow::Result;
use warroom_app::AppError;
use warroom_model::MAX_MESSAGE_BYTES;

use crate::cli::MessageInput;

pub fn read_message(input: &MessageInput) -> Result<String> {
    let (bytes, source) = match (&input.message, &input.file) {
        (_, Some(path)) => {
            let file = std::fs::File::open(path)
                .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", path.display())))?;
            (read_limited(file)?, path.display().to_string())
        }
        (Some(m), None) if m == "-" => (
            read_limited(std::io::stdin().lock())?,
            "standard input".into(),
        ),
        (Some(m), None) => (m.clone().into_bytes(), "the argument".into()),
        (None, None) => {
            return Err(AppError::bad_input(
                "no message: give it, `-` for standard input, or --file",
            )
            .into());
        }
    };
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(AppError::bad_input(format!(
            "the message from {source} is over the 1 MiB limit ({} bytes); nothing was sent",
            bytes.len()
        ))
        .hint("put the data in a file the agent can read and send its path")
        .into());
    }
    String::from_utf8(bytes).map_err(|_| {
        AppError::bad_input(format!("the message from {source} is not UTF-8 text")).into()
    })
}

/// Reads at most one byte past the limit: enough to know it is too large.
fn read_limited(reader: impl Read) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader
        .take(MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| AppError::bad_input(format!("reading the message: {e}")))?;
    Ok(buf)
}
