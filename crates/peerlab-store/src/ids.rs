//! Typed ids: the database assigns them, so they live here. Each is an `i64` to the database
//! (`#[sqlx(transparent)]`) and to JSON (`#[serde(transparent)]`), but a different type to
//! the compiler, so a person's id cannot be passed where a space's is expected — `endorse`
//! takes a `PersonId`, a `PersonId` and a `SkillId`, in that order, or does not compile.

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(i64);

        impl $name {
            /// An id as the database stores it. For ids read from outside (a URL, a form, a
            /// test's fixture); whether such a row exists is for the store to say.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The number behind the id, for URLs, JSON built by hand and xAPI ids.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    )*};
}

ids! {
    /// A person in the directory.
    PersonId;
    /// A space: a community, a cohort's channel, a group's room.
    SpaceId;
    /// A thread in a space.
    ThreadId;
    /// A post: a thread's opening post or a reply.
    PostId;
    /// A skill in the shared list.
    SkillId;
    /// A program made from a template.
    ProgramId;
    /// One cohort of a program.
    CohortId;
    /// A session: a cohort's, or one held in a space.
    SessionId;
}
