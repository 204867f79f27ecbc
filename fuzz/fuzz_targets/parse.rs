//! `Rectifier`'s `FromStr` on arbitrary text: it never panics, and what it accepts displays as
//! text that parses back to an equal value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify::Rectifier;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(act) = text.parse::<Rectifier<f32>>() {
        let shown = act.to_string();
        let back: Rectifier<f32> = shown.parse().expect("Display writes what FromStr reads");
        assert_eq!(back, act, "{text:?} displayed as {shown:?}");
    }
    if let Ok(act) = text.parse::<Rectifier<f64>>() {
        let back: Rectifier<f64> = act
            .to_string()
            .parse()
            .expect("Display writes what FromStr reads");
        assert_eq!(back, act);
    }
});
