// SPDX-License-Identifier: BSD-3-Clause
//! The thread-safety markers, and the contracts they encode exercised from
//! several threads at once: one context and its logger, one plan request,
//! one engine read in parallel.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use common::*;
use pcilayout::{
    priority, Backend, Cfg, Ctx, Guest, Layout, NoDevice, PlanRequest, Vdev, CFG_SIZE,
};

fn send_sync<T: Send + Sync>() {}

#[test]
fn markers_follow_the_c_contract() {
    send_sync::<Ctx>();
    send_sync::<Cfg>();
    send_sync::<Layout>();
    send_sync::<PlanRequest<'static>>();
    send_sync::<Guest>();
    send_sync::<Backend>();
    send_sync::<Vdev<Backend>>();
    send_sync::<Vdev<NoDevice>>();
    // That a Vdev over a backend that is not Sync is not Sync is checked
    // by a compile_fail doc test on Vdev.
}

#[test]
fn one_context_plans_from_many_threads() {
    let messages = Arc::new(AtomicUsize::new(0));
    let m = messages.clone();
    let owned = Ctx::with_logger(priority::DEBUG, move |r| {
        assert!(!r.message.is_empty() && !r.file.is_empty());
        assert_eq!(r.priority, priority::DEBUG);
        m.fetch_add(1, Ordering::Relaxed);
    })
    .unwrap();
    let ctx = &owned;
    assert_eq!(ctx.log_priority(), Some(priority::DEBUG));
    let plan = |pf: &Cfg, vf: &Cfg| {
        let mut req = PlanRequest::new(ctx, vf).unwrap();
        req.pf(pf).unwrap();
        req.add_pasid(Some(IOMMU)).unwrap();
        req.plan().unwrap().fingerprint().unwrap()
    };
    // Loading and planning two new cfgs logs (their walks are made then:
    // a cfg keeps them, so planning it again logs no more).
    let before = messages.load(Ordering::Relaxed);
    let (pf, vf) = pf_vf(ctx);
    let expected = plan(&pf, &vf);
    let after = messages.load(Ordering::Relaxed);
    let per_pair = after - before;
    assert!(per_pair > 0, "loading and planning log at debug level");
    let (plan, expected) = (&plan, &expected);
    let mut req = PlanRequest::new(ctx, &vf).unwrap();
    req.pf(&pf).unwrap();
    req.add_pasid(Some(IOMMU)).unwrap();
    let req = &req;
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(move || {
                // Cfgs of its own, and the one request shared by all.
                let (pf, vf) = pf_vf(ctx);
                for _ in 0..10 {
                    assert_eq!(&plan(&pf, &vf), expected);
                    assert_eq!(&req.plan().unwrap().fingerprint().unwrap(), expected);
                }
            });
        }
    });
    // Every message of every thread reached the one logger.
    assert_eq!(messages.load(Ordering::Relaxed), after + 4 * per_pair);
}

#[test]
fn a_panicking_logger_is_contained() {
    let ctx = Ctx::with_logger(priority::DEBUG, |_| panic!("logger broke")).unwrap();
    let (pf, vf) = pf_vf(&ctx);
    assert!(vf_pasid_layout(&ctx, &pf, &vf).fingerprint().is_ok());
    assert_eq!(Ctx::new().unwrap().log_priority(), None);
}

#[test]
fn engine_reads_in_parallel() {
    let ctx = Ctx::new().unwrap();
    let (guest, vdev) = vf_engine(&ctx);
    let image = guest.image();
    let rounds = 20;
    let vdev = &vdev;
    thread::scope(|s| {
        for t in 0..4u32 {
            s.spawn(move || {
                for _ in 0..rounds {
                    // Each thread reads with another width.
                    let len = 1 << (t % 3);
                    for off in (0..CFG_SIZE as u32).step_by(len as usize) {
                        let v = vdev.read(off, len).unwrap();
                        let want = (0..len).fold(0, |a, i| a | u32::from(image[(off + i) as usize]) << (8 * i));
                        assert_eq!(v, want, "offset {:#x} len {}", off, len);
                    }
                }
            });
        }
    });
    // Every read of a physical byte reached the device, from every thread.
    assert!(vdev.backend().stats().reads >= 4 * rounds);
}

#[test]
fn engines_move_between_threads() {
    let ctx = Ctx::new().unwrap();
    let (guest, mut vdev) = vf_engine(&ctx);
    drop(guest);
    let h = thread::spawn(move || {
        vdev.write(PASID_CTRL, 2, 1).unwrap();
        vdev
    });
    let vdev = h.join().unwrap();
    assert_eq!(vdev.read(PASID_CTRL, 2).unwrap(), 1);
    drop(ctx);
    // The engine keeps the context alive; it is dropped with the engine.
    thread::spawn(move || assert_eq!(vdev.read(PASID_CTRL, 2).unwrap(), 1)).join().unwrap();
}

#[test]
fn first_name_lookups_may_race() {
    let ctx = Ctx::new().unwrap();
    let ctx = &ctx;
    let names: Vec<_> = thread::scope(|s| {
        let hs: Vec<_> = (0..4).map(|_| s.spawn(move || ctx.class_name(0x020000))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(names.windows(2).all(|w| w[0] == w[1]), "{:?}", names);
}
