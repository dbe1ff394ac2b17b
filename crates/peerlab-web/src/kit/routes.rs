//! The JSON API's routes, recorded as they are added, so that a test can compare the router
//! itself with `openapi.json` (every route documented, every documented route served).

use axum::routing::MethodRouter;
use axum::Router;

use crate::AppState;

/// A router under `/api/v1` that remembers its paths.
#[derive(Default)]
pub struct ApiRoutes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl ApiRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &'static str, method: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method);
        self.paths.push(path);
        self
    }

    pub fn merge(mut self, other: ApiRoutes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// The paths, in the order they were added, as axum spells them (`/people/{id}`).
    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
