//! Referee protection (API.md "Referee protection"): anonymity that holds, the fatigue
//! limit, and nominations that reveal nothing about anyone. The opt-out has its own file
//! with the forms (`forms::opt_out`); the races are in `workflow::races`.

mod anonymity;
mod disclosure;
mod fatigue;
mod nominations;
