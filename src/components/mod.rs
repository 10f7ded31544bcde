//! Pieces of the frame and views shared by several pages.

pub mod footer;
pub mod nav_link;
pub mod theme;
pub mod time_display;
pub mod top_bar;
pub mod user_menu;
pub mod your_sessions;
