//! `ArrayActivation` (feature `ndarray`): every method on arrays of every layout (C, F, permuted
//! 3-D, reversed axes, every second element of an axis, broadcast inputs, zero-length axes,
//! lanes longer than a tile), input and output layouts crossed, against the scalar methods
//! element by element, bit for bit; elements of the output's array outside the view untouched;
//! shape mismatches panic before writing.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array, Array3, ArrayView3, ArrayViewMut3, ShapeBuilder, Zip, s};
use rectify::{
    Activation, ActivationStats, ArrayActivation, Clip, ClippedRelu, LeakyRelu, Rectifier, Relu,
};

use crate::common::{Rng, TestFloat};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    C,
    F,
    /// A C array of the axes in another order, its axes permuted back.
    Permuted,
    /// The first and last axes reversed (negative strides).
    Reversed,
    /// Every second element of the last axis.
    Strided,
    /// An input whose first two axes are broadcast (stride 0).
    Broadcast,
}

const LAYOUTS: [Layout; 6] = [
    Layout::C,
    Layout::F,
    Layout::Permuted,
    Layout::Reversed,
    Layout::Strided,
    Layout::Broadcast,
];

/// The array that holds a view of shape `shape` in `layout`, filled from `rng`.
fn base<F: TestFloat>(layout: Layout, shape: [usize; 3], rng: &mut Rng) -> Array3<F> {
    let [a, b, c] = shape;
    let base_shape = match layout {
        Layout::Permuted => [c, a, b],
        Layout::Strided => [a, b, 2 * c],
        Layout::Broadcast => [1, 1, c],
        _ => shape,
    };
    let n = base_shape.iter().product();
    let values = rng.floats::<F>(n);
    if layout == Layout::F {
        Array::from_shape_vec(base_shape.f(), values).unwrap()
    } else {
        Array::from_shape_vec(base_shape, values).unwrap()
    }
}

fn view<F: TestFloat>(layout: Layout, base: &Array3<F>, shape: [usize; 3]) -> ArrayView3<'_, F> {
    match layout {
        Layout::C | Layout::F => base.view(),
        Layout::Permuted => base.view().permuted_axes([1, 2, 0]),
        Layout::Reversed => base.slice(s![..;-1, .., ..;-1]),
        Layout::Strided => base.slice(s![.., .., ..;2]),
        Layout::Broadcast => base.broadcast(shape).unwrap(),
    }
}

fn view_mut<F: TestFloat>(layout: Layout, base: &mut Array3<F>) -> ArrayViewMut3<'_, F> {
    match layout {
        Layout::C | Layout::F => base.view_mut(),
        Layout::Permuted => base.view_mut().permuted_axes([1, 2, 0]),
        Layout::Reversed => base.slice_mut(s![..;-1, .., ..;-1]),
        Layout::Strided => base.slice_mut(s![.., .., ..;2]),
        Layout::Broadcast => unreachable!("an output cannot be broadcast"),
    }
}

fn bits<F: TestFloat>(a: &ArrayView3<'_, F>) -> Vec<F::Bits> {
    a.iter().map(|&v| v.bits()).collect()
}

/// Every method of `act` with inputs in layout `input` and the output in layout `output`.
fn check<F: TestFloat>(
    (act_name, act): (&str, &dyn Activation<F>),
    input: Layout,
    output: Layout,
    shape: [usize; 3],
    rng: &mut Rng,
) {
    let (xb, gb, oldb) = (
        base::<F>(input, shape, rng),
        base::<F>(Layout::C, shape, rng),
        base::<F>(output, shape, rng),
    );
    let (x, g) = (view(input, &xb, shape), view(Layout::C, &gb, shape));
    let old = view(output, &oldb, shape).to_owned();
    let map = |f: &dyn Fn(F, F, F) -> F| {
        Zip::from(&x)
            .and(&g)
            .and(&old)
            .map_collect(|&x, &g, &o| f(x, g, o))
    };
    let accumulate = |o: F, v: F| if v.is_nan() { v } else { o + v };
    let forward = map(&|x, _, _| act.at(x));
    let derivative = map(&|x, _, _| act.derivative_at(x));
    let backward = map(&|x, g, _| act.backward_at(x, g));
    let accumulated = map(&|x, g, o| accumulate(o, act.backward_at(x, g)));
    let stats = {
        let mut s = ActivationStats {
            len: forward.len(),
            ..ActivationStats::default()
        };
        for &y in &forward {
            s.active += usize::from(y > F::zero());
            s.zeros += usize::from(y == F::zero());
            s.nans += usize::from(y.is_nan());
        }
        s
    };

    type Method<F> = fn(
        &dyn Activation<F>,
        &ArrayView3<F>,
        &ArrayView3<F>,
        &mut ArrayViewMut3<F>,
    ) -> Option<ActivationStats>;
    /// A method's name, the method, its output's initial values, and what it must give.
    type Run<'a, F> = (&'a str, Method<F>, &'a ArrayView3<'a, F>, &'a Array3<F>);
    let methods: [Run<'_, F>; 9] = [
        (
            "forward_array",
            |a, x, _, o| {
                a.forward_array(x, o);
                None
            },
            &old.view(),
            &forward,
        ),
        (
            "forward_array_in_place",
            |a, _, _, o| {
                a.forward_array_in_place(o);
                None
            },
            &x,
            &forward,
        ),
        (
            "derivative_array",
            |a, x, _, o| {
                a.derivative_array(x, o);
                None
            },
            &old.view(),
            &derivative,
        ),
        (
            "derivative_array_in_place",
            |a, _, _, o| {
                a.derivative_array_in_place(o);
                None
            },
            &x,
            &derivative,
        ),
        (
            "backward_array",
            |a, x, g, o| {
                a.backward_array(x, g, o);
                None
            },
            &old.view(),
            &backward,
        ),
        (
            "backward_array_in_place",
            |a, x, _, o| {
                a.backward_array_in_place(x, o);
                None
            },
            &g,
            &backward,
        ),
        (
            "backward_array_accumulate",
            |a, x, g, o| {
                a.backward_array_accumulate(x, g, o);
                None
            },
            &old.view(),
            &accumulated,
        ),
        (
            "forward_array_with_stats",
            |a, x, _, o| Some(a.forward_array_with_stats(x, o)),
            &old.view(),
            &forward,
        ),
        (
            "forward_array_in_place_with_stats",
            |a, _, _, o| Some(a.forward_array_in_place_with_stats(o)),
            &x,
            &forward,
        ),
    ];
    for (name, method, init, want) in methods {
        let at = format!("{name}, {act_name}, input {input:?}, output {output:?}, shape {shape:?}");
        let mut out_base = oldb.clone();
        let before = out_base.clone();
        let got_stats = {
            let mut out = view_mut(output, &mut out_base);
            out.assign(init);
            method(act, &x, &g, &mut out)
        };
        let out = view(output, &out_base, shape);
        assert_eq!(bits(&out), bits(&want.view()), "{at}: values");
        if let Some(s) = got_stats {
            assert_eq!(s, stats, "{at}: stats");
        }
        // Outside the view (the odd elements of a strided output), nothing changed.
        let mut outside = out_base.clone();
        view_mut(output, &mut outside).assign(&view(output, &before, shape));
        assert_eq!(
            bits(&outside.view()),
            bits(&before.view()),
            "{at}: wrote outside"
        );
    }
}

fn every_layout<F: TestFloat>(seed: u64) {
    let leaky = LeakyRelu::new(F::from(0.1).unwrap()).unwrap();
    let clip = Clip::new(F::from(-1.0).unwrap(), F::from(1.0).unwrap()).unwrap();
    let rectifier: Rectifier<F> = ClippedRelu::new(F::from(6.0).unwrap()).unwrap().into();
    let acts: [(&str, &dyn Activation<F>); 4] = [
        ("Relu", &Relu),
        ("LeakyRelu(0.1)", &leaky),
        ("Clip(-1, 1)", &clip),
        ("Rectifier relu6", &rectifier),
    ];
    let mut rng = Rng::new(seed);
    // Lanes shorter and longer than a tile (256), a zero-length axis, single elements.
    let shapes = [[2, 3, 5], [3, 2, 300], [3, 0, 5], [1, 1, 1], [4, 1, 3]];
    for shape in shapes {
        for input in LAYOUTS {
            for output in LAYOUTS.into_iter().filter(|&l| l != Layout::Broadcast) {
                for act in acts {
                    check::<F>(act, input, output, shape, &mut rng);
                }
            }
        }
    }
}

#[test]
fn every_layout_f32() {
    every_layout::<f32>(0xa77a);
}

#[test]
fn every_layout_f64() {
    every_layout::<f64>(0x64a7);
}

#[test]
fn zero_and_one_dimensional_arrays() {
    let mut scalar = ndarray::arr0(-2.0_f32);
    Relu.forward_array_in_place(&mut scalar);
    assert_eq!(scalar.into_scalar().to_bits(), 0.0_f32.to_bits());
    let x = ndarray::array![-1.0_f64, 2.0, -0.0, f64::NAN];
    let mut y = Array::zeros(4);
    Relu.forward_array(&x.slice(s![..;-1]), &mut y);
    let want: Vec<u64> = [f64::NAN, 0.0, 2.0, 0.0]
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want);
}

#[test]
fn shape_mismatch_panics_before_writing() {
    let x = Array3::<f32>::from_elem((2, 3, 4), -1.0);
    let g = Array3::<f32>::from_elem((2, 4, 3), 1.0);
    let mut out = Array3::<f32>::from_elem((2, 3, 4), 7.0);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let forward = catch_unwind(AssertUnwindSafe(|| Relu.forward_array(&g, &mut out)));
    let backward = catch_unwind(AssertUnwindSafe(|| Relu.backward_array(&x, &g, &mut out)));
    std::panic::set_hook(previous);
    let message = |r: Result<(), Box<dyn std::any::Any + Send>>| {
        *r.unwrap_err().downcast::<String>().unwrap()
    };
    assert_eq!(
        message(forward),
        "rectify: forward_array: the arrays' shapes [2, 4, 3] and [2, 3, 4] differ; they must be equal"
    );
    assert!(message(backward).starts_with("rectify: backward_array: the arrays' shapes [2, 4, 3]"));
    assert!(out.iter().all(|&v| v == 7.0), "wrote before panicking");
}
