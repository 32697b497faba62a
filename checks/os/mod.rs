//! `OS`: the base operating system and how far it is from minimal.
pub mod attack_surface_tools;
pub mod base;
pub mod end_of_life_base;
pub mod non_minimal_base;
pub mod unknown_base;
