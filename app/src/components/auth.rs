//! Who is signed in, known to every page.

use crate::{error::AppError, functions::auth::current_user, models::SessionUser};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    version: RwSignal<u32>,
}

impl Auth {
    pub fn provide() {
        let version = RwSignal::new(0);
        let user = Resource::new(move || version.get(), |_| current_user());
        provide_context(Auth { user, version });
    }

    pub fn get() -> Auth {
        expect_context::<Auth>()
    }

    /// Asks the server again, after signing in or out.
    pub fn refresh(&self) {
        self.version.update(|version| *version += 1);
    }
}
