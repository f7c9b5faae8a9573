//! KeePassXC's CSV export: a header row
//! `"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"`
//! (older versions stop after "Notes"), then one row per entry, every field
//! quoted, `""` for a quote, commas and line breaks allowed inside quotes.
//! Groups are paths from the root group: "Root/Mail/Work". Columns are found
//! by their header, so extra or reordered columns are read too.

use super::ImportError;
use crate::domain::import::{ImportItem, ImportPlan, ImportSource};
use zeroize::Zeroizing;

/// The columns an import needs, by header name.
const NEEDED: [&str; 6] = ["Group", "Title", "Username", "Password", "URL", "Notes"];

/// One record: its fields and the line it starts on.
struct Record {
    fields: Vec<Zeroizing<String>>,
    line: usize,
}

/// Splits `text` into records. Errors name the row (the header is row 1).
fn records(text: &str) -> Result<Vec<Record>, String> {
    let mut out = Vec::new();
    let mut chars = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .chars()
        .peekable();
    let mut line = 1;
    loop {
        // Skip blank lines between records.
        while matches!(chars.peek(), Some('\r' | '\n')) {
            if chars.next() == Some('\n') {
                line += 1;
            }
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let start = line;
        let row = out.len() + 1;
        let mut fields = Vec::new();
        let mut field = Zeroizing::new(String::new());
        loop {
            // One field: quoted or bare.
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => {
                            return Err(format!(
                                "row {row} (line {start}): a quoted field is not closed"
                            ));
                        }
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                    }
                }
                if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                    return Err(format!(
                        "row {row} (line {start}): text after a closing quote"
                    ));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if matches!(c, ',' | '\r' | '\n') {
                        break;
                    }
                    if c == '"' {
                        return Err(format!(
                            "row {row} (line {start}): a quote inside an unquoted field"
                        ));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            fields.push(std::mem::take(&mut field));
            match chars.next() {
                Some(',') => {}
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                None => break,
                Some(_) => unreachable!("a field ends at a comma, a line break or the end"),
            }
        }
        out.push(Record {
            fields,
            line: start,
        });
    }
}

/// The folder path of a KeePassXC group: the root group's name is dropped.
fn group_path(group: &str) -> Vec<String> {
    group
        .split('/')
        .skip(1)
        .map(|part| {
            let part = part.trim();
            if part.is_empty() {
                "Untitled folder".to_owned()
            } else {
                part.to_owned()
            }
        })
        .collect()
}

/// Parses KeePassXC's CSV export. A row with a different number of fields
/// than the header, or an unterminated quote, is an error naming the row.
pub fn parse_csv(text: &str, file_name: &str) -> Result<ImportPlan, ImportError> {
    let fail = |reason: String| ImportError::Csv {
        file: file_name.to_owned(),
        reason,
    };
    let records = records(text).map_err(fail)?;
    let Some((header, rows)) = records.split_first() else {
        return Err(fail("the file is empty".into()));
    };
    let column = |name: &str| {
        header
            .fields
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let mut index = [0; NEEDED.len()];
    for (slot, name) in index.iter_mut().zip(NEEDED) {
        *slot = column(name).ok_or_else(|| {
            fail(format!(
                "row 1 is not KeePassXC's CSV header: no \"{name}\" column"
            ))
        })?;
    }
    let [group, title, username, password, url, notes] = index;
    let mut plan = ImportPlan::new(ImportSource::Csv, file_name);
    for (n, record) in rows.iter().enumerate() {
        let row = n + 2;
        if record.fields.len() != header.fields.len() {
            return Err(fail(format!(
                "row {row} (line {}) has {} fields; the header has {}",
                record.line,
                record.fields.len(),
                header.fields.len()
            )));
        }
        let f = |i: usize| record.fields[i].as_str();
        plan.add_item(ImportItem::new(
            group_path(f(group)),
            f(title),
            f(username),
            f(url),
            f(notes),
            Zeroizing::new(f(password).to_owned()),
        ));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::EntryKind;

    const HEADER: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n";

    #[test]
    fn quoted_fields_with_commas_quotes_and_line_breaks() {
        let text = format!(
            "{HEADER}\"Root/Mail/Work\",\"Office, main\",\"ann\",\"p\"\"w,1\",\"\",\"line 1\nline 2\",\"\",\"0\",\"x\",\"y\"\r\n\"Root\",\"Bank\",\"bob\",\"pw2\",\"https://bank.test\",\"\",\"\",\"0\",\"x\",\"y\"\n"
        );
        let plan = parse_csv(&text, "e.csv").unwrap();
        assert_eq!(plan.items.len(), 2);
        let office = &plan.items[0];
        assert_eq!(office.folder, vec!["Mail".to_owned(), "Work".to_owned()]);
        assert_eq!(office.name, "Office, main");
        assert_eq!(office.password.as_str(), "p\"w,1");
        assert_eq!(office.notes, "line 1\nline 2");
        assert_eq!(office.kind, EntryKind::Credentials);
        assert!(plan.items[1].folder.is_empty());
        assert_eq!(plan.items[1].kind, EntryKind::Website);
        assert_eq!(plan.folders.len(), 2);
    }

    #[test]
    fn bad_rows_are_named() {
        let short = format!("{HEADER}\"Root\",\"a\",\"b\"\n");
        let err = parse_csv(&short, "e.csv").unwrap_err().to_string();
        assert!(err.contains("row 2"), "{err}");
        let open = format!(
            "{HEADER}\"Root\",\"a\",\"b\",\"c\",\"\",\"\",\"\",\"0\",\"x\",\"y\"\n\"Root\",\"unterminated\n"
        );
        let err = parse_csv(&open, "e.csv").unwrap_err().to_string();
        assert!(err.contains("row 3"), "{err}");
        assert!(!err.contains("\"c\""));
        let err = parse_csv("a,b\n", "e.csv").unwrap_err().to_string();
        assert!(err.contains("header"), "{err}");
    }
}
