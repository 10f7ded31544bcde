//! One module per page; a page's server functions sit next to the components that call them.

pub mod admin;
pub mod dashboard;
pub mod home;
pub mod not_found;
pub mod profile;
pub mod session_expired;
pub mod sign_out;
