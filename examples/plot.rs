//! Draws every member of the family over [-4, 8], one panel each with its derivative (dashed),
//! PReLU with two channels of different slopes (a curve each), and a wide last panel with all
//! of them together, ReLU on top: the plot in the README.
//!
//! `cargo run --release --example plot [path]` (default `relu.svg`).

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf32;
use plotters::prelude::*;
use rectify::{Activation, Channels, Clip, ClippedRelu, LeakyRelu, PRelu, Relu, ThresholdedRelu};

/// A curve: its label, its colour, and `(x, f(x))` and `(x, f'(x))` over the range.
struct Curve {
    label: String,
    color: RGBColor,
    forward: Vec<(f32, f32)>,
    derivative: Vec<(f32, f32)>,
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf32, RangedCoordf32>>;

/// A panel's axes over [-4, 8] x [-1.5, 8], with its caption.
fn chart_on<'a, 'b>(
    panel: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(panel)
        .caption(caption, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(25)
        .y_label_area_size(30)
        .build_cartesian_2d(-4.0_f32..8.0, -1.5_f32..8.0)?;
    chart
        .configure_mesh()
        .x_labels(7)
        .y_labels(6)
        .max_light_lines(1)
        .draw()?;
    Ok(chart)
}

/// `(x, y)` for each element of `x` and of `y`.
fn pairs(x: &[f32], y: Vec<f32>) -> Vec<(f32, f32)> {
    x.iter().copied().zip(y).collect()
}

/// The curve of `act` and of its derivative over `x`. Generic, not over `&dyn Activation`,
/// whose vtables compile every method of every type (the example's build: 50 s -> 19 s).
fn curve<A: Activation<f32>>(x: &[f32], label: &str, act: &A, color: RGBColor) -> Curve {
    let (mut y, mut dy) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    act.forward(x, &mut y);
    act.derivative(x, &mut dy);
    Curve {
        label: label.into(),
        color,
        forward: pairs(x, y),
        derivative: pairs(x, dy),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| String::from("relu.svg"));
    let x: Vec<f32> = (0..=480).map(|i| -4.0 + i as f32 * 0.025).collect();

    let leaky = LeakyRelu::new(0.1)?;
    let clip = Clip::new(-1.0, 1.0)?;
    let thresholded = ThresholdedRelu::new(1.0)?;
    let relu6 = ClippedRelu::<f32>::RELU6;
    let mut panels: Vec<(&str, Vec<Curve>)> = vec![
        (
            "Relu",
            vec![curve(&x, "Relu", &Relu, RGBColor(200, 30, 30))],
        ),
        (
            "LeakyRelu(0.1)",
            vec![curve(&x, "LeakyRelu(0.1)", &leaky, RGBColor(30, 150, 30))],
        ),
        (
            "ClippedRelu::RELU6",
            vec![curve(&x, "RELU6", &relu6, RGBColor(200, 130, 0))],
        ),
        (
            "Clip(-1, 1) (hardtanh)",
            vec![curve(&x, "Clip(-1, 1)", &clip, RGBColor(30, 30, 200))],
        ),
        (
            "ThresholdedRelu(1)",
            vec![curve(
                &x,
                "ThresholdedRelu(1)",
                &thresholded,
                RGBColor(150, 30, 150),
            )],
        ),
    ];

    // PReLU over two interleaved channels (channels last), one slope each: every x appears
    // once per channel, and each channel's elements make its curve.
    let slopes = [0.2_f32, 0.35];
    let prelu = PRelu::new(&slopes, Channels::last(2))?;
    let both: Vec<f32> = x.iter().flat_map(|&v| [v, v]).collect();
    let (mut y, mut dy) = (vec![0.0; both.len()], vec![0.0; both.len()]);
    prelu.forward(&both, &mut y);
    prelu.derivative(&both, &mut dy);
    let channel = |v: &[f32], c: usize| pairs(&x, v.iter().skip(c).step_by(2).copied().collect());
    let prelu_curves = (slopes.iter().enumerate())
        .map(|(c, slope)| Curve {
            label: format!("PRelu channel {c} (slope {slope})"),
            color: [RGBColor(0, 140, 160), RGBColor(120, 90, 40)][c],
            forward: channel(&y, c),
            derivative: channel(&dy, c),
        })
        .collect();
    panels.push(("PRelu, slopes [0.2, 0.35]", prelu_curves));

    let root = SVGBackend::new(&path, (1050, 960)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "ReLU and its family: f(x) solid, f'(x) dashed",
        ("sans-serif", 24),
    )?;
    let (top, bottom) = root.split_vertically(600);
    for ((caption, curves), area) in panels.iter().zip(&top.split_evenly((2, 3))) {
        let mut chart = chart_on(area, caption)?;
        for c in curves {
            let style = c.color.stroke_width(2);
            chart.draw_series(LineSeries::new(c.forward.clone(), style))?;
            let dashed = c.color.mix(0.7).stroke_width(1);
            chart.draw_series(DashedLineSeries::new(c.derivative.clone(), 10, 8, dashed))?;
        }
    }

    // All together: each curve dashed in its colour, ReLU solid on top.
    let mut chart = chart_on(&bottom, "all of them, Relu on top")?;
    let all: Vec<&Curve> = panels.iter().flat_map(|(_, curves)| curves).collect();
    for c in all.iter().skip(1).chain(all.iter().take(1)) {
        let style = c.color.stroke_width(2);
        let points = c.forward.clone();
        let series = if c.label == "Relu" {
            chart.draw_series(LineSeries::new(points, style))?
        } else {
            chart.draw_series(DashedLineSeries::new(points, 10, 6, style))?
        };
        series
            .label(c.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 11))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    println!(
        "wrote {path}: relu, leaky relu, relu6, clip, thresholded relu and prelu (two slopes) \
         over [-4, 8]"
    );
    Ok(())
}
