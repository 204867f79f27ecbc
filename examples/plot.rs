//! Draws ReLU and its derivative over [-5, 10], with leaky and clipped ReLU for comparison,
//! to an SVG file: the plot in the README.
//!
//! `cargo run --release --example plot [path]` (default `relu.svg`).

use plotters::prelude::*;
use rectify::{Activation, ClippedRelu, LeakyRelu};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| String::from("relu.svg"));
    let x: Vec<f32> = (0..=300).map(|i| -5.0 + i as f32 * 0.05).collect();
    let mut relu = vec![0.0; x.len()];
    rectify::relu_slice(&x, &mut relu);
    let mut derivative = vec![0.0; x.len()];
    rectify::relu_derivative_slice(&x, &mut derivative);
    let mut leaky = vec![0.0; x.len()];
    LeakyRelu::new(0.1)
        .expect("a finite slope")
        .forward(&x, &mut leaky);
    let mut relu6 = vec![0.0; x.len()];
    ClippedRelu::<f32>::RELU6.forward(&x, &mut relu6);

    let root = SVGBackend::new(&path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("ReLU and its family", ("sans-serif", 28))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(40)
        .build_cartesian_2d(-5.0_f32..10.0, -1.0_f32..10.0)?;
    chart.configure_mesh().x_desc("x").y_desc("f(x)").draw()?;

    let curves: [(&str, &[f32], RGBColor); 4] = [
        ("relu(x) = max(0, x)", &relu, RGBColor(200, 30, 30)),
        (
            "relu'(x): 0 for x <= 0, 1 for x > 0",
            &derivative,
            RGBColor(30, 30, 200),
        ),
        ("leaky_relu(x, 0.1)", &leaky, RGBColor(30, 150, 30)),
        (
            "relu6(x) = clipped_relu(x, 6)",
            &relu6,
            RGBColor(200, 130, 0),
        ),
    ];
    for (label, y, color) in curves {
        chart
            .draw_series(LineSeries::new(
                x.iter().copied().zip(y.iter().copied()),
                color.stroke_width(2),
            ))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    println!("wrote {path}: relu, its derivative, leaky_relu (0.1) and relu6 over [-5, 10]");
    Ok(())
}
