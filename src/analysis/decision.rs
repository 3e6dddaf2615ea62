//! The one decision type: what becomes of a module. A refusal (or "not
//! applicable") is a `Refusal` value, the same one every stage makes.

use super::strategy::Strategy;
use crate::refusal::Refusal;
use crate::wq::SystemWq;

/// The workqueue a local-wq conversion gives the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalWq {
    pub name: String,
    /// The name alloc_workqueue() gives it (`ps` shows it): `name`, or
    /// spelt with `-` as the module's other workqueues are ("nvmet-wq"
    /// beside "nvmet-buffered-io-wq").
    pub alloc_name: String,
    pub flags: &'static str,
    /// The system workqueues it replaces.
    pub replaces: Vec<SystemWq>,
    /// alloc_workqueue()'s max_active: the replaced queue's, so the work
    /// runs with the concurrency it had.
    pub max_active: &'static str,
    /// Why it has WQ_MEM_RECLAIM beyond the replaced queue's flags
    /// (analysis::reclaim), said below the patch's `---`.
    pub reclaim: Option<super::reclaim::Reclaim>,
}

impl LocalWq {
    /// The workqueue standing for `replaces` (whose flags are `flags`),
    /// with WQ_MEM_RECLAIM when there is evidence for it.
    pub fn new(
        name: String,
        flags: &'static str,
        replaces: Vec<SystemWq>,
        reclaim: Option<super::reclaim::Reclaim>,
    ) -> Self {
        let flags = match reclaim {
            Some(_) => crate::wq::with_reclaim(flags),
            None => flags,
        };
        let max_active = replaces
            .iter()
            .map(|wq| wq.max_active())
            .find(|m| *m != "0")
            .unwrap_or("0");
        LocalWq {
            alloc_name: name.clone(),
            name,
            flags,
            replaces,
            max_active,
            reclaim,
        }
    }
}

impl LocalWq {
    /// The workqueue named for alloc_workqueue() as the module's other
    /// allocations in `texts` are: with dashes when every one of their
    /// names that has a separator uses `-` and none `_`. The file at
    /// `home` (where it is declared) sets the style when it names some
    /// with a separator: ib_core's device.c has "ib-comp-wq" while its
    /// addr.c has "ib_addr".
    pub fn named_like(mut self, texts: &[&[u8]], home: Option<usize>) -> Self {
        let separated_in = |texts: &[&[u8]]| -> Vec<String> {
            texts
                .iter()
                .flat_map(|t| alloc_names(t))
                .filter(|n| n.contains(['-', '_']))
                .collect()
        };
        let own = home
            .and_then(|h| texts.get(h))
            .map(|t| separated_in(std::slice::from_ref(t)))
            .unwrap_or_default();
        let separated = if own.is_empty() {
            separated_in(texts)
        } else {
            own
        };
        if !separated.is_empty() && separated.iter().all(|n| !n.contains('_')) {
            self.alloc_name = self.alloc_name.replace('_', "-");
        }
        self
    }

    /// The name given to alloc_workqueue() led by the module's (`module`,
    /// its identifier, for a `static` named for its file): `cm_wq` is
    /// known as `mlx4_ib_cm_wq` in the kernel's list of workqueues.
    pub fn led_by(mut self, module: Option<String>) -> Self {
        match module {
            Some(module) if !self.alloc_name.starts_with(&module) => {
                self.alloc_name = format!("{module}_{}", self.alloc_name);
            }
            _ => {}
        }
        self
    }
}

/// Functions that name a workqueue by their first argument.
const ALLOCATORS: &[&str] = &[
    "alloc_workqueue",
    "alloc_ordered_workqueue",
    "create_workqueue",
    "create_singlethread_workqueue",
    "create_freezable_workqueue",
];

/// The string literals `text` names its workqueues by.
fn alloc_names(text: &[u8]) -> Vec<String> {
    crate::ctext::calls_named(text, ALLOCATORS)
        .into_iter()
        .filter_map(|(at, name)| {
            let args = crate::ctext::call_args(text, at + name.len())?;
            let first = String::from_utf8_lossy(&text[args.first()?.clone()]).into_owned();
            let literal = first
                .trim()
                .strip_prefix('"')?
                .strip_suffix('"')?
                .to_string();
            (!literal.contains(['"', '%'])).then_some(literal)
        })
        .collect()
}

/// A conversion analysis found possible: what Step 0 recommends and what
/// is applied (the recommendation, or what `--strategy` asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub recommended: Strategy,
    pub strategy: Strategy,
    /// The new workqueue, for a local-wq conversion.
    pub wq: Option<LocalWq>,
}

/// What becomes of one module. A refused or not-applicable module carries
/// no strategy; a refusal after Step 0 keeps its recommendation, which is
/// evidence a reviewer can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    NotApplicable(Refusal),
    Refused {
        refusal: Refusal,
        recommended: Option<Strategy>,
    },
    Convert(Conversion),
}

impl Decision {
    pub fn refused(refusal: Refusal) -> Self {
        Decision::Refused {
            refusal,
            recommended: None,
        }
    }

    /// Why nothing is converted, if so.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Decision::NotApplicable(r) | Decision::Refused { refusal: r, .. } => Some(r),
            Decision::Convert(_) => None,
        }
    }

    /// Step 0's recommendation, where analysis got that far.
    pub fn recommended(&self) -> Option<&Strategy> {
        match self {
            Decision::NotApplicable(_) => None,
            Decision::Refused { recommended, .. } => recommended.as_ref(),
            Decision::Convert(c) => Some(&c.recommended),
        }
    }

    pub fn conversion(&self) -> Option<&Conversion> {
        match self {
            Decision::Convert(c) => Some(c),
            _ => None,
        }
    }
}

/// The one-word verdict, derived from the decision and the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Convertible,
    NeedsReview,
    Refused,
    NotApplicable,
}

impl Verdict {
    pub fn of(decision: &Decision, flagged: bool) -> Self {
        match decision {
            Decision::NotApplicable(_) => Verdict::NotApplicable,
            Decision::Refused { .. } => Verdict::Refused,
            Decision::Convert(_) if flagged => Verdict::NeedsReview,
            Decision::Convert(_) => Verdict::Convertible,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LocalWq;

    fn named_in(texts: &[&str], home: Option<usize>) -> String {
        let texts: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
        LocalWq::new("foo_wq".into(), "0", Vec::new(), None)
            .named_like(&texts, home)
            .alloc_name
    }

    fn named(texts: &[&str]) -> String {
        named_in(texts, None)
    }

    #[test]
    fn the_allocation_name_takes_the_modules_separator() {
        let dashed = "w = alloc_workqueue(\"foo-buffered-io-wq\", WQ_MEM_RECLAIM, 0);";
        assert_eq!(named(&[dashed]), "foo-wq");
        let mixed = "v = alloc_ordered_workqueue(\"foo_events\", 0);";
        assert_eq!(named(&[dashed, mixed]), "foo_wq");
        assert_eq!(named(&["x = alloc_workqueue(\"foo\", 0, 0);"]), "foo_wq");
        assert_eq!(named(&[]), "foo_wq");
    }

    #[test]
    fn the_declaring_files_own_names_come_first() {
        let dashed = "w = alloc_workqueue(\"foo-comp-wq\", 0, 0);";
        let mixed = "v = alloc_ordered_workqueue(\"foo_addr\", 0);";
        assert_eq!(named_in(&[dashed, mixed], Some(0)), "foo-wq");
        assert_eq!(named_in(&[dashed, mixed], Some(1)), "foo_wq");
        // A home file naming none with a separator defers to the module.
        let plain = "x = alloc_workqueue(\"foo\", 0, 0);";
        assert_eq!(named_in(&[plain, dashed], Some(0)), "foo-wq");
    }
}
