use std::hint::black_box;
use std::time::Instant;
fn med(mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..20000 {
                f();
            }
            t.elapsed().as_secs_f64() / 20000.0
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[7] * 1e9
}
fn run<T: num_traits::Float + 'static>(name: &str, n: usize) {
    let mut big: Vec<T> = vec![T::zero(); 3 * n + 4096];
    let base = big.as_ptr().align_offset(4096);
    for (xo, oo) in [
        (0usize, 0usize),
        (0, 4),
        (4, 0),
        (0, 8),
        (0, n + 16),
        (0, n + 32),
    ] {
        let xo_e = xo * 4 / std::mem::size_of::<T>();
        let oo_e = oo * 4 / std::mem::size_of::<T>();
        let (xs, os) = (base + xo_e, base + n + 1024 + oo_e);
        let (a, b) = big.split_at_mut(os);
        let x: Vec<T> = (0..n)
            .map(|i| {
                if i % 16 == 7 {
                    T::nan()
                } else {
                    T::from((i % 16) as f64 - 8.0).unwrap()
                }
            })
            .collect();
        a[xs..xs + n].copy_from_slice(&x);
        let xr = &a[xs..xs + n];
        let out = &mut b[..n];
        let plain = med(|| rectify::relu_slice(black_box(xr), black_box(&mut *out)));
        let stats = med(|| {
            black_box(rectify::relu_slice_with_stats(
                black_box(xr),
                black_box(&mut *out),
            ));
        });
        let outp = &mut b[..n];
        outp.copy_from_slice(xr);
        let plain_ip = med(|| rectify::relu_in_place(black_box(&mut *outp)));
        let stats_ip = med(|| {
            black_box(rectify::relu_in_place_with_stats(black_box(&mut *outp)));
        });
        println!("{name} n={n} x+{xo}w out+{oo}w(rel {}): slice {:.1}ns stats {:.1}ns ratio {:.2} | in place {:.1} {:.1} ratio {:.2}",
          ((os - xs) * std::mem::size_of::<T>()) % 4096, plain, stats, plain / stats, plain_ip, stats_ip, plain_ip / stats_ip);
    }
}
fn main() {
    run::<f32>("f32", 1024);
    run::<f64>("f64", 1024);
}
