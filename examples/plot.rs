//! Draws every member of the family over [-4, 8], one panel each with its derivative (dashed),
//! and a last panel with all of them together, ReLU on top: the plot in the README.
//!
//! `cargo run --release --example plot [path]` (default `relu.svg`).

use plotters::prelude::*;
use rectify::{Activation, Clip, ClippedRelu, LeakyRelu, Relu, ThresholdedRelu};

/// One member: its name, the activation, and its colour.
type Member<'a> = (&'a str, &'a dyn Activation<f32>, RGBColor);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| String::from("relu.svg"));
    let leaky = LeakyRelu::new(0.1)?;
    let clip = Clip::new(-1.0, 1.0)?;
    let thresholded = ThresholdedRelu::new(1.0)?;
    let members: [Member<'_>; 5] = [
        ("Relu", &Relu, RGBColor(200, 30, 30)),
        ("LeakyRelu(0.1)", &leaky, RGBColor(30, 150, 30)),
        (
            "ClippedRelu::RELU6",
            &ClippedRelu::<f32>::RELU6,
            RGBColor(200, 130, 0),
        ),
        ("Clip(-1, 1) (hardtanh)", &clip, RGBColor(30, 30, 200)),
        ("ThresholdedRelu(1)", &thresholded, RGBColor(150, 30, 150)),
    ];
    let x: Vec<f32> = (0..=480).map(|i| -4.0 + i as f32 * 0.025).collect();
    let curve = |act: &dyn Activation<f32>, derivative: bool| {
        let mut y = vec![0.0; x.len()];
        if derivative {
            act.derivative(&x, &mut y);
        } else {
            act.forward(&x, &mut y);
        }
        x.iter().copied().zip(y).collect::<Vec<(f32, f32)>>()
    };

    let root = SVGBackend::new(&path, (1050, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "ReLU and its family: f(x) solid, f'(x) dashed",
        ("sans-serif", 24),
    )?;
    let panels = root.split_evenly((2, 3));
    for ((name, act, color), panel) in members.iter().zip(&panels) {
        let mut chart = ChartBuilder::on(panel)
            .caption(*name, ("sans-serif", 18))
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
        chart.draw_series(LineSeries::new(curve(*act, false), color.stroke_width(2)))?;
        chart.draw_series(DashedLineSeries::new(
            curve(*act, true),
            10,
            8,
            color.mix(0.7).stroke_width(1),
        ))?;
    }

    // All together: each member dashed in its colour, ReLU solid on top.
    let mut chart = ChartBuilder::on(&panels[5])
        .caption("all of them, Relu on top", ("sans-serif", 18))
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
    for (name, act, color) in members.iter().skip(1).chain(members.iter().take(1)) {
        let style = color.stroke_width(2);
        let points = curve(*act, false);
        if *name == "Relu" {
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        } else {
            chart
                .draw_series(DashedLineSeries::new(points, 10, 6, style))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 11))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    println!("wrote {path}: relu, leaky relu, relu6, clip and thresholded relu over [-4, 8]");
    Ok(())
}
