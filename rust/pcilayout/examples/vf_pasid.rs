// SPDX-License-Identifier: BSD-3-Clause
//! vf_pasid: give a VF a virtual PASID capability and serve its guest.
//!
//! vfio-pci never shows a VF's PASID: the capability lives only on the PF.
//! A VMM that wants its guest to use PASIDs on the VF plans where to put a
//! virtual one and emulates it. This program does that with the public
//! API, from two dumps (the PF's and the VF's config space):
//!
//!  1. plan: the VF, its PF and what the IOMMU reports -> a layout with a
//!     virtual PASID, and why it sits where it sits;
//!  2. build the guest view and an engine over a simulated device holding
//!     the VF's bytes (a real VMM would use `Backend::vfio`);
//!  3. be the guest: walk the extended capability chain with config reads
//!     through the engine, find the PASID, enable it with a config write
//!     and see the engine report the change.
//!
//! Usage: vf_pasid PF_DUMP VF_DUMP [--iommu-width N] [--image OUT]
//! --image writes the 4096 bytes the guest reads before enabling PASID.
use std::error::Error;
use std::process::ExitCode;
use std::sync::mpsc;

use pcilayout::{
    priority, Backend, Cfg, Ctx, EntryKind, Generator, Guest, GuestOptions, IommuPasid, PlanRequest, Space, Vdev,
};

/// Extended capability ID of PASID (PCIe 6.0, 7.8.8).
const EXT_CAP_ID_PASID: u32 = 0x1b;
/// PASID Capability register, from the capability start.
const PASID_CAP: u32 = 0x04;
/// PASID Control register, from the capability start.
const PASID_CTRL: u32 = 0x06;
/// PASID Control: PASID Enable.
const PASID_CTRL_ENABLE: u32 = 0x1;
/// The first extended capability.
const EXT_CAP_START: u32 = 0x100;

struct Args {
    pf: String,
    vf: String,
    width: u8,
    image: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut pos = Vec::new();
    let mut width = 20;
    let mut image = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--iommu-width" => {
                let v = it.next().ok_or("--iommu-width needs a value")?;
                width = v.parse().map_err(|_| format!("--iommu-width: bad number '{}'", v))?;
            }
            "--image" => image = Some(it.next().ok_or("--image needs a file")?),
            _ if a.starts_with('-') => return Err(format!("unknown option '{}'", a)),
            _ => pos.push(a),
        }
    }
    if pos.len() != 2 {
        return Err("usage: vf_pasid PF_DUMP VF_DUMP [--iommu-width N] [--image OUT]".into());
    }
    let vf = pos.pop().unwrap_or_default();
    let pf = pos.pop().unwrap_or_default();
    Ok(Args { pf, vf, width, image })
}

/// The one function a dump file holds.
fn load_one(ctx: &Ctx, path: &str) -> Result<Cfg, Box<dyn Error>> {
    let mut cfgs = Cfg::load(ctx, path)?;
    if cfgs.len() != 1 {
        return Err(format!("{}: {} functions, expected one", path, cfgs.len()).into());
    }
    Ok(cfgs.remove(0))
}

/// The offset of extended capability `id`, found as a guest finds it: by
/// following the next pointers with config reads.
fn find_ext_cap<B: pcilayout::VdevBackend>(vdev: &Vdev<B>, id: u32) -> Result<Option<u32>, Box<dyn Error>> {
    let mut off = EXT_CAP_START;
    // At most one header per dword of the extended space: no endless loop.
    for _ in 0..(0x1000 - EXT_CAP_START) / 4 {
        let hdr = vdev.read(off, 4)?;
        if hdr == 0 || hdr == 0xffff_ffff {
            return Ok(None);
        }
        println!("guest: ext cap {:#06x} v{} at {:#x}", hdr & 0xffff, (hdr >> 16) & 0xf, off);
        if hdr & 0xffff == id {
            return Ok(Some(off));
        }
        off = hdr >> 20;
        if off < EXT_CAP_START {
            return Ok(None);
        }
    }
    Ok(None)
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let ctx = Ctx::with_logger(priority::WARNING, |r| eprintln!("pcilayout: {}", r.message))?;
    let pf = load_one(&ctx, &args.pf)?;
    let mut vf = load_one(&ctx, &args.vf)?;
    vf.set_pf(&pf)?;

    // 1. Plan.
    let mut req = PlanRequest::new(&ctx, &vf)?;
    req.pf(&pf)?;
    req.add_pasid(Some(IommuPasid {
        max_width: args.width,
        exec: true,
        privileged: false,
    }))?;
    let layout = req.plan()?;
    println!(
        "plan: layout {} {}",
        layout.name().unwrap_or_default(),
        layout.fingerprint()?
    );
    for e in layout.entries(Space::Extended) {
        if e.kind != EntryKind::Virtual {
            continue;
        }
        if let Generator::Pasid { max_width, exec, privileged } = e.generator {
            println!(
                "plan: virtual pasid at {:#x}: width {}, exec {}, priv {} (rule {})",
                e.at.unwrap_or(0),
                max_width,
                exec,
                privileged,
                e.rule.unwrap_or("none")
            );
            println!("plan: why: {}", e.reason.as_deref().unwrap_or(""));
        }
    }

    // 2. The guest view and the engine.
    let guest = Guest::build(&ctx, &layout, &vf, &GuestOptions::default())?;
    let mut vdev = Vdev::new(&guest, Backend::sim(&vf)?)?;
    drop(guest); // the engine keeps its own copy
    let (tx, rx) = mpsc::channel();
    vdev.set_notify(move |ev| {
        let _ = tx.send(*ev);
    });

    // 3. The guest.
    let id = vdev.read(0, 4)?;
    println!("guest: vendor {:04x} device {:04x}", id & 0xffff, id >> 16);
    if let Some(path) = &args.image {
        let mut image = Vec::with_capacity(pcilayout::CFG_SIZE);
        for off in (0..pcilayout::CFG_SIZE as u32).step_by(4) {
            image.extend_from_slice(&vdev.read(off, 4)?.to_le_bytes());
        }
        std::fs::write(path, &image).map_err(|e| format!("{}: {}", path, e))?;
    }
    let pasid = find_ext_cap(&vdev, EXT_CAP_ID_PASID)?.ok_or("the guest finds no PASID capability")?;
    let cap = vdev.read(pasid + PASID_CAP, 2)?;
    println!(
        "guest: pasid at {:#x}: max width {}, exec {}, priv {}",
        pasid,
        (cap >> 8) & 0x1f,
        (cap >> 1) & 1,
        (cap >> 2) & 1
    );
    let writes_before = vdev.backend().stats().writes;
    vdev.write(pasid + PASID_CTRL, 2, PASID_CTRL_ENABLE)?;
    for ev in rx.try_iter() {
        println!(
            "vmm: {:?} register at {:#x} changed {:#x} -> {:#x}",
            ev.hook, ev.offset, ev.old_value, ev.new_value
        );
    }
    println!("guest: pasid control now {:#x}", vdev.read(pasid + PASID_CTRL, 2)?);
    println!(
        "device: writes for the pasid enable: {}",
        vdev.backend().stats().writes - writes_before
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vf_pasid: {}", e);
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vf_pasid: {}", e);
            ExitCode::FAILURE
        }
    }
}
