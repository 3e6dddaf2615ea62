//! Output for reviewers and mailing lists: git's unified diff, diffstat and
//! `git format-patch` mail series.

pub mod diff;
