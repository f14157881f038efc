//! Longest-prefix tables over digit strings, shared by triggers and routes.

/// Entries ordered so that the first whose prefix matches is the longest match. An empty
/// prefix matches everything (a default). Duplicate prefixes are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrefixTable<T> {
    entries: Vec<T>,
}

impl<T> Default for PrefixTable<T> {
    fn default() -> Self {
        PrefixTable {
            entries: Vec::new(),
        }
    }
}

pub(crate) trait Prefixed {
    fn prefix(&self) -> &str;
}

impl<T: Prefixed> PrefixTable<T> {
    /// `what` names the entries in the error ("trigger", "route").
    pub fn new(mut entries: Vec<T>, what: &str) -> Result<PrefixTable<T>, String> {
        for (i, e) in entries.iter().enumerate() {
            if entries[..i].iter().any(|o| o.prefix() == e.prefix()) {
                return Err(format!("duplicate {what} prefix {:?}", e.prefix()));
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.prefix().len()));
        Ok(PrefixTable { entries })
    }

    pub fn select(&self, digits: &str) -> Option<&T> {
        self.entries.iter().find(|e| digits.starts_with(e.prefix()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
