//! Where a scrollable (static) cursor moves: ODBC's cursor-positioning rules of
//! SQLFetchScroll, as a pure function of the current position, the rowset size and,
//! only where a rule needs it, the number of rows in the result.
//!
//! Kept apart from the fetch code so the table of rules can be tested row by row.

/// Where a cursor stands between fetches. Rows are numbered from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    BeforeStart,
    /// The first row of the current rowset.
    Rowset(u64),
    AfterEnd,
}

/// A fetch orientation with its offset (SQLFetchScroll's two arguments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    Next,
    Prior,
    First,
    Last,
    Absolute(i64),
    Relative(i64),
    /// The row a bookmark names, plus an offset.
    Bookmark(u64, i64),
}

impl Orientation {
    /// ODBC's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Orientation::Next => "SQL_FETCH_NEXT",
            Orientation::Prior => "SQL_FETCH_PRIOR",
            Orientation::First => "SQL_FETCH_FIRST",
            Orientation::Last => "SQL_FETCH_LAST",
            Orientation::Absolute(_) => "SQL_FETCH_ABSOLUTE",
            Orientation::Relative(_) => "SQL_FETCH_RELATIVE",
            Orientation::Bookmark(..) => "SQL_FETCH_BOOKMARK",
        }
    }
}

/// Where the next rowset starts: a row number (which may lie past the end; the
/// caller finds out while reading), or off either end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    BeforeStart,
    Start(u64),
    AfterEnd,
}

/// The new rowset's start, and whether ODBC wants 01S06 (a move before the first
/// rowset that was clamped to row 1). `last` counts the result's rows; it is called
/// only by the rules that need it, because counting reads the whole result.
pub fn target<E>(
    how: Orientation,
    at: Position,
    rowset: u64,
    last: impl FnOnce() -> Result<u64, E>,
) -> Result<(Target, bool), E> {
    use Orientation as O;
    use Position as P;
    let r = rowset.max(1);
    let start = |n: u64| (Target::Start(n), false);
    let clamped = (Target::Start(1), true);
    Ok(match (how, at) {
        (O::Next, P::BeforeStart) => start(1),
        (O::Next, P::Rowset(s)) => start(s.saturating_add(r)),
        (O::Next, P::AfterEnd) => (Target::AfterEnd, false),

        (O::Prior, P::BeforeStart) => (Target::BeforeStart, false),
        (O::Prior, P::Rowset(1)) => (Target::BeforeStart, false),
        (O::Prior, P::Rowset(s)) if s <= r => clamped,
        (O::Prior, P::Rowset(s)) => start(s - r),
        (O::Prior, P::AfterEnd) => {
            let n = last()?;
            if n == 0 {
                (Target::BeforeStart, false)
            } else {
                start(n.saturating_sub(r) + 1)
            }
        }

        (O::First, _) => start(1),
        (O::Last, _) => {
            let n = last()?;
            if n == 0 {
                (Target::AfterEnd, false)
            } else {
                start(n.saturating_sub(r) + 1)
            }
        }

        (O::Relative(off), P::BeforeStart) if off > 0 => absolute(off, r, last)?,
        (O::Relative(off), P::AfterEnd) if off < 0 => absolute(off, r, last)?,
        (O::Relative(_), P::BeforeStart) => (Target::BeforeStart, false),
        (O::Relative(_), P::AfterEnd) => (Target::AfterEnd, false),
        (O::Relative(off), P::Rowset(s)) => relative(s, off, r),

        (O::Absolute(off), _) => absolute(off, r, last)?,

        // The caller refuses bookmark 0 (HY111): bookmarks are row numbers.
        (O::Bookmark(b, off), _) => match b.checked_add_signed(off) {
            Some(n) if n >= 1 => start(n),
            None if off > 0 => (Target::AfterEnd, false),
            _ => (Target::BeforeStart, false),
        },
    })
}

fn relative(s: u64, off: i64, r: u64) -> (Target, bool) {
    match s.checked_add_signed(off) {
        Some(n) if n >= 1 => (Target::Start(n), false),
        // Before row 1: clamped to it when the move was within one rowset.
        _ if off.unsigned_abs() <= r && s > 1 => (Target::Start(1), true),
        _ => (Target::BeforeStart, false),
    }
}

fn absolute<E>(
    off: i64,
    r: u64,
    last: impl FnOnce() -> Result<u64, E>,
) -> Result<(Target, bool), E> {
    Ok(match off {
        0 => (Target::BeforeStart, false),
        n if n > 0 => (Target::Start(n as u64), false),
        n => {
            let back = n.unsigned_abs();
            let rows = last()?;
            if back <= rows {
                (Target::Start(rows - back + 1), false)
            } else if back > r {
                (Target::BeforeStart, false)
            } else {
                (Target::Start(1), true)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Orientation as O;
    use Position as P;
    use Target as T;

    fn go(how: Orientation, at: Position, r: u64, n: u64) -> (Target, bool) {
        target::<()>(how, at, r, || Ok(n)).unwrap()
    }

    fn no_count(how: Orientation, at: Position, r: u64) -> (Target, bool) {
        target::<&str>(how, at, r, || Err("counted")).unwrap()
    }

    #[test]
    fn next_and_prior() {
        assert_eq!(no_count(O::Next, P::BeforeStart, 10), (T::Start(1), false));
        assert_eq!(no_count(O::Next, P::Rowset(11), 10), (T::Start(21), false));
        assert_eq!(no_count(O::Next, P::AfterEnd, 10), (T::AfterEnd, false));
        assert_eq!(
            no_count(O::Prior, P::Rowset(1), 10),
            (T::BeforeStart, false)
        );
        assert_eq!(no_count(O::Prior, P::Rowset(5), 10), (T::Start(1), true));
        assert_eq!(no_count(O::Prior, P::Rowset(21), 10), (T::Start(11), false));
        assert_eq!(go(O::Prior, P::AfterEnd, 10, 25), (T::Start(16), false));
        assert_eq!(go(O::Prior, P::AfterEnd, 10, 4), (T::Start(1), false));
        assert_eq!(go(O::Prior, P::AfterEnd, 10, 0), (T::BeforeStart, false));
    }

    #[test]
    fn first_and_last() {
        assert_eq!(no_count(O::First, P::AfterEnd, 3), (T::Start(1), false));
        assert_eq!(go(O::Last, P::BeforeStart, 3, 25), (T::Start(23), false));
        assert_eq!(go(O::Last, P::BeforeStart, 30, 25), (T::Start(1), false));
        assert_eq!(go(O::Last, P::BeforeStart, 1, 0), (T::AfterEnd, false));
    }

    #[test]
    fn absolute_rules() {
        assert_eq!(
            no_count(O::Absolute(0), P::Rowset(4), 1),
            (T::BeforeStart, false)
        );
        assert_eq!(
            no_count(O::Absolute(7), P::Rowset(4), 1),
            (T::Start(7), false)
        );
        assert_eq!(
            go(O::Absolute(-1), P::BeforeStart, 1, 25),
            (T::Start(25), false)
        );
        assert_eq!(
            go(O::Absolute(-25), P::BeforeStart, 1, 25),
            (T::Start(1), false)
        );
        assert_eq!(
            go(O::Absolute(-26), P::BeforeStart, 1, 25),
            (T::BeforeStart, false)
        );
        assert_eq!(
            go(O::Absolute(-26), P::BeforeStart, 30, 25),
            (T::Start(1), true)
        );
    }

    #[test]
    fn relative_rules() {
        assert_eq!(
            no_count(O::Relative(0), P::Rowset(4), 3),
            (T::Start(4), false)
        );
        assert_eq!(
            no_count(O::Relative(-3), P::Rowset(4), 3),
            (T::Start(1), false)
        );
        assert_eq!(
            no_count(O::Relative(-5), P::Rowset(4), 3),
            (T::BeforeStart, false)
        );
        assert_eq!(
            no_count(O::Relative(-5), P::Rowset(4), 10),
            (T::Start(1), true)
        );
        assert_eq!(
            no_count(O::Relative(-1), P::Rowset(1), 10),
            (T::BeforeStart, false)
        );
        assert_eq!(
            no_count(O::Relative(2), P::BeforeStart, 10),
            (T::Start(2), false)
        );
        assert_eq!(
            no_count(O::Relative(-2), P::BeforeStart, 10),
            (T::BeforeStart, false)
        );
        assert_eq!(
            go(O::Relative(-2), P::AfterEnd, 1, 25),
            (T::Start(24), false)
        );
        assert_eq!(
            no_count(O::Relative(3), P::AfterEnd, 1),
            (T::AfterEnd, false)
        );
    }

    #[test]
    fn bookmarks() {
        assert_eq!(
            no_count(O::Bookmark(7, 0), P::BeforeStart, 1),
            (T::Start(7), false)
        );
        assert_eq!(
            no_count(O::Bookmark(7, -2), P::AfterEnd, 1),
            (T::Start(5), false)
        );
        assert_eq!(
            no_count(O::Bookmark(7, -7), P::AfterEnd, 1),
            (T::BeforeStart, false)
        );
        assert_eq!(
            no_count(O::Bookmark(u64::MAX, 1), P::AfterEnd, 1),
            (T::AfterEnd, false)
        );
    }
}
