//! Where the database is: parsed once from `--data-dir` / `--database-url`.

use std::path::{Path, PathBuf};

use crate::StoreError;

/// A database location. The scheme of a URL picks the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// The SQLite file inside a data directory.
    pub fn in_data_dir(dir: &Path) -> Self {
        Location::Sqlite(dir.join("peerlab.db"))
    }

    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://…` or `postgresql://…`. A SQLite
    /// path whose directory does not exist is refused: it is almost always a typo.
    pub fn parse_url(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(StoreError::Config(format!(
                "'{url}' is not a database URL; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
            )));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split('?').next().unwrap_or(path);
                if path.is_empty() || path == ":memory:" {
                    return Err(StoreError::Config(
                        "a SQLite database URL needs a file path, as in sqlite://./data/peerlab.db".into(),
                    ));
                }
                let path = PathBuf::from(path);
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                if !dir.is_dir() {
                    return Err(StoreError::Config(format!(
                        "the directory {} of SQLite database {} does not exist; create it or fix the path",
                        dir.display(),
                        path.display()
                    )));
                }
                Ok(Location::Sqlite(path))
            }
            "postgres" | "postgresql" => Ok(Location::Postgres(url.to_string())),
            other => Err(StoreError::Config(format!(
                "unknown database URL scheme '{other}'; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            Location::parse_url("postgres://u@h/db").ok(),
            Some(Location::Postgres("postgres://u@h/db".into()))
        );
        assert!(matches!(
            Location::parse_url("sqlite://./x.db"),
            Ok(Location::Sqlite(_))
        ));
        let e = Location::parse_url("mysql://h/db").unwrap_err().to_string();
        assert!(e.contains("unknown database URL scheme 'mysql'"), "{e}");
        let e = Location::parse_url("sqlite:///no/such/dir/x.db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        assert!(Location::parse_url("peerlab.db").is_err());
    }
}
