use std::hint::black_box;
use std::time::Instant;
fn med(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
fn main() {
    for mib in [12usize, 16, 20, 24, 28, 32, 48] {
        let shift = mib;
        let n = mib << 18;
        let x = vec![1.5f32; n];
        let mut o = vec![0.0f32; n];
        o.fill(1.0);
        let reps = 31;
        let mut a = vec![];
        let mut b = vec![];
        for _ in 0..3 {
            a.push(med(
                || rectify::__bench::copy(black_box(&x), black_box(&mut o), false),
                reps,
            ));
            b.push(med(
                || rectify::__bench::copy(black_box(&x), black_box(&mut o), true),
                reps,
            ));
        }
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        println!("f32 n=2^{shift} ({} MiB out): plain {:.1} GB/s, stream {:.1} GB/s, stream/plain speed {:.2}", (n*4)>>20, 8.0*n as f64/a[1]/1e9, 8.0*n as f64/b[1]/1e9, a[1]/b[1]);
    }
}
