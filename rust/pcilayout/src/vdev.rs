// SPDX-License-Identifier: BSD-3-Clause
//! The engine a VMM embeds (`struct pcl_vdev`, vdev.h): it answers a
//! guest's config reads and writes from a guest view, reaching the device
//! through a backend - one of the library's ([`Backend`]), the VMM's own
//! ([`DeviceIo`]), or none ([`NoDevice`]) for a view without physical bytes.
use std::any::Any;
use std::cell::RefCell;
use std::ffi::CStr;
use std::io;
use std::os::raw::{c_int, c_void};
use std::os::unix::io::{AsRawFd, OwnedFd, RawFd};
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};

use crate::cfg::Cfg;
use crate::ctx::Ctx;
use crate::error::{Error, Result, EINVAL, EIO};
use crate::guest::{Guest, Hook};
use crate::sys;
use crate::util::cstring;
use crate::CFG_SIZE;

/// A hooked register the guest changed (`struct pcl_vdev_event`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VdevEvent {
    /// Which kind of register.
    pub hook: Hook,
    /// Which hook of the view.
    pub index: u32,
    /// The register's config offset.
    pub offset: u32,
    /// Its width in bytes.
    pub width: u32,
    /// Its value before the write.
    pub old_value: u32,
    /// Its value after the write.
    pub new_value: u32,
}

/// A VMM's own way to the device, for engines it does not give one of the
/// library's backends. The engine makes naturally aligned accesses of 1, 2
/// or 4 bytes below 4096, only at offsets its table passes through; values
/// are little-endian in the low `len` bytes. An error fails the guest
/// access with EIO.
///
/// `read` takes `&self` because reads of one engine may run on several
/// threads at once ([`Vdev`] is `Sync` when the implementation is);
/// `write` takes `&mut self` because the engine writes only with exclusive
/// access. A panic in either is caught at the C boundary and resumed when
/// the engine returns.
pub trait DeviceIo {
    /// Read `len` bytes at physical offset `off`.
    fn read(&self, off: u32, len: u32) -> io::Result<u32>;
    /// Write the low `len` bytes of `val` at physical offset `off`.
    fn write(&mut self, off: u32, len: u32, val: u32) -> io::Result<()>;
}

mod private {
    pub trait Sealed {}
}

/// What a [`Vdev`] can reach its device through: a [`Backend`], a
/// [`DeviceIo`] implementation or [`NoDevice`].
pub trait VdevBackend: private::Sealed {
    /// The function table for pcl_vdev_new(), or None for no backend.
    ///
    /// # Safety
    /// `this` points to a value that stays at that address, alive and
    /// otherwise unused during engine calls, as long as the engine.
    #[doc(hidden)]
    unsafe fn ops(this: *mut Self) -> Option<sys::pcl_vdev_backend>;
}

/// No device: for views whose every byte stays in the engine.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoDevice;

impl private::Sealed for NoDevice {}
impl VdevBackend for NoDevice {
    unsafe fn ops(_: *mut Self) -> Option<sys::pcl_vdev_backend> {
        None
    }
}

impl<D: DeviceIo> private::Sealed for D {}
impl<D: DeviceIo> VdevBackend for D {
    unsafe fn ops(this: *mut Self) -> Option<sys::pcl_vdev_backend> {
        Some(sys::pcl_vdev_backend {
            read: Some(io_read::<D>),
            write: Some(io_write::<D>),
            opaque: this.cast(),
        })
    }
}

thread_local! {
    /// A panic caught in a callback the engine called on this thread,
    /// resumed once the engine returns (unwinding through C is undefined).
    static PENDING_PANIC: RefCell<Option<Box<dyn Any + Send>>> = RefCell::new(None);
}

fn catch<R>(fallback: R, f: impl FnOnce() -> R) -> R {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        // The first panic is the one resumed; later ones are dropped.
        PENDING_PANIC.with(|c| {
            let mut c = c.borrow_mut();
            if c.is_none() {
                *c = Some(p);
            }
        });
        fallback
    })
}

fn resume_pending_panic() {
    if let Some(p) = PENDING_PANIC.with(|c| c.borrow_mut().take()) {
        panic::resume_unwind(p);
    }
}

fn errno_of(e: &io::Error) -> c_int {
    -e.raw_os_error().filter(|&n| n > 0).unwrap_or(EIO)
}

unsafe extern "C" fn io_read<D: DeviceIo>(opaque: *mut c_void, off: u32, len: u32, val: *mut u32) -> c_int {
    // SAFETY: `opaque` is the D the Vdev owns; the engine reads only while
    // the Vdev is borrowed (shared, or exclusively during a write), so a
    // shared reference is valid; `val` is the engine's.
    let d = &*(opaque as *const D);
    catch(-EIO, || match d.read(off, len) {
        Ok(v) => {
            *val = v;
            0
        }
        Err(e) => errno_of(&e),
    })
}

unsafe extern "C" fn io_write<D: DeviceIo>(opaque: *mut c_void, off: u32, len: u32, val: u32) -> c_int {
    // SAFETY: the engine writes to the device only from pcl_vdev_write(),
    // which Vdev::write calls with &mut self: nothing else uses the D.
    let d = &mut *(opaque as *mut D);
    catch(-EIO, || match d.write(off, len, val) {
        Ok(()) => 0,
        Err(e) => errno_of(&e),
    })
}

/// Accesses a backend has served (`struct pcl_backend_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackendStats {
    /// Read calls.
    pub reads: u64,
    /// Write calls.
    pub writes: u64,
    /// Calls that failed.
    pub errors: u64,
}

/// One of the library's backends (`struct pcl_backend`): a simulated
/// device, a sysfs config file, or a VFIO device's config region.
pub struct Backend {
    raw: NonNull<sys::pcl_backend>,
    /// The VFIO device fd the backend reads, closed after it.
    _fd: Option<OwnedFd>,
}

// SAFETY (Send): the backend owns its memory or file descriptor, tied to
// no thread (vdev.h: "Backends, like engines, are one per device").
unsafe impl Send for Backend {}
// SAFETY (Sync): vdev.h: the library's backends' reads are thread-safe
// ("pread(2) on a file descriptor, or memory for the simulated device when
// it is not written at the same time"), and their counters are atomic
// (pcl_backend_stats()). What writes - the engine's writes and
// sim_poke() - takes &mut (of the Vdev or of the Backend).
unsafe impl Sync for Backend {}

impl Drop for Backend {
    fn drop(&mut self) {
        // SAFETY: owned, freed once, after any engine using it (a Vdev
        // frees its engine before its backend).
        unsafe { sys::pcl_backend_free(self.raw.as_ptr()) }
    }
}

impl private::Sealed for Backend {}
impl VdevBackend for Backend {
    unsafe fn ops(this: *mut Self) -> Option<sys::pcl_vdev_backend> {
        let mut ops = sys::pcl_vdev_backend::default();
        sys::pcl_backend_ops((*this).raw.as_ptr(), &mut ops);
        Some(ops)
    }
}

impl Backend {
    fn own(raw: *mut sys::pcl_backend, fd: Option<OwnedFd>) -> Result<Backend> {
        let raw = NonNull::new(raw).ok_or_else(Error::last_os)?;
        Ok(Backend { raw, _fd: fd })
    }

    /// A simulated device holding a copy of `cfg`'s bytes (see
    /// pcl_backend_sim_new() for what it models).
    pub fn sim(cfg: &Cfg) -> Result<Backend> {
        // SAFETY: the cfg is only read; NULL sets errno.
        Backend::own(unsafe { sys::pcl_backend_sim_new(cfg.raw()) }, None)
    }

    /// The device's sysfs config file ("dddd:bb:dd.f"); writes fail with
    /// EPERM unless `writable` (which needs root).
    pub fn sysfs(address: &str, writable: bool) -> Result<Backend> {
        let a = cstring(address)?;
        let flags = if writable { sys::PCL_BACKEND_WRITABLE } else { 0 };
        let mut err = sys::pcl_error::default();
        // SAFETY: valid pointers for the call.
        let raw = unsafe { sys::pcl_backend_sysfs_new(a.as_ptr(), flags, &mut err) };
        if raw.is_null() {
            return Err(Error::last_os_with(&err));
        }
        Backend::own(raw, None)
    }

    /// The config region of the VFIO device `fd`, which the backend keeps
    /// open for its life and then closes.
    pub fn vfio(fd: OwnedFd) -> Result<Backend> {
        // SAFETY: the fd stays open as long as the backend: it owns it.
        unsafe { Backend::vfio_raw(fd.as_raw_fd(), Some(fd)) }
    }

    /// The config region of the VFIO device `fd`, borrowed.
    ///
    /// # Safety
    /// `fd` must stay open, and be the same VFIO device, for as long as
    /// the backend lives.
    pub unsafe fn vfio_borrowed(fd: RawFd) -> Result<Backend> {
        Backend::vfio_raw(fd, None)
    }

    unsafe fn vfio_raw(fd: RawFd, owned: Option<OwnedFd>) -> Result<Backend> {
        let mut err = sys::pcl_error::default();
        let raw = sys::pcl_backend_vfio_new(fd, &mut err);
        if raw.is_null() {
            return Err(Error::last_os_with(&err));
        }
        Backend::own(raw, owned)
    }

    /// The counters of the accesses served.
    pub fn stats(&self) -> BackendStats {
        let mut s = sys::pcl_backend_stats::default();
        // SAFETY: the counters are read atomically.
        unsafe { sys::pcl_backend_stats(self.raw.as_ptr(), &mut s) };
        BackendStats {
            reads: s.reads,
            writes: s.writes,
            errors: s.errors,
        }
    }

    /// A simulated device's current 4096 bytes; None for other backends.
    pub fn sim_data(&self) -> Option<&[u8; CFG_SIZE]> {
        // SAFETY: 4096 bytes owned by the backend; they change only
        // through &mut (poke, or an engine write), which the borrow of
        // self excludes.
        unsafe {
            let p = sys::pcl_backend_sim_data(self.raw.as_ptr());
            (p as *const [u8; CFG_SIZE]).as_ref()
        }
    }

    /// Change a simulated device's bytes as the device itself would (e.g.
    /// raise a status bit), bypassing its read-only and RW1C rules.
    pub fn sim_poke(&mut self, off: u32, bytes: &[u8]) -> Result<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Error::from_errno(EINVAL))?;
        // SAFETY: &mut self: no engine call runs on this backend.
        Error::check_ret(unsafe { sys::pcl_backend_sim_poke(self.raw.as_ptr(), off, bytes.as_ptr(), len) }).map(drop)
    }
}

type Notify = Box<dyn FnMut(&VdevEvent) + Send>;

/// One device's emulation engine, running a copy of a [`Guest`] view over
/// a backend `B` it owns.
///
/// It is `Sync` exactly when its backend is, since parallel engine reads
/// are parallel backend reads:
///
/// ```
/// # use std::{io, sync::atomic::AtomicU32};
/// # use pcilayout::{DeviceIo, Vdev};
/// struct Dev(AtomicU32);
/// impl DeviceIo for Dev {
///     fn read(&self, _: u32, _: u32) -> io::Result<u32> { Ok(0) }
///     fn write(&mut self, _: u32, _: u32, _: u32) -> io::Result<()> { Ok(()) }
/// }
/// fn shared<T: Sync + Send>() {}
/// shared::<Vdev<Dev>>();
/// ```
///
/// ```compile_fail,E0277
/// # use std::{io, cell::Cell};
/// # use pcilayout::{DeviceIo, Vdev};
/// struct Dev(Cell<u32>); // reads that are not thread-safe
/// impl DeviceIo for Dev {
///     fn read(&self, _: u32, _: u32) -> io::Result<u32> { Ok(0) }
///     fn write(&mut self, _: u32, _: u32, _: u32) -> io::Result<()> { Ok(()) }
/// }
/// fn shared<T: Sync + Send>() {}
/// shared::<Vdev<Dev>>();
/// ```
pub struct Vdev<B: VdevBackend> {
    raw: NonNull<sys::pcl_vdev>,
    /// Owned (from Box::into_raw): the engine holds its address.
    backend: NonNull<B>,
    /// Owned (from Box::into_raw), when a callback is installed.
    notify: Option<NonNull<Notify>>,
    /// The engine keeps its guest view's context.
    _ctx: Ctx,
}

// SAFETY (Send): vdev.h: "Different engines share nothing and may be used
// from any threads". The engine is heap memory; the backend moves with it
// (B: Send) and the notify callback is Send.
unsafe impl<B: VdevBackend + Send> Send for Vdev<B> {}
// SAFETY (Sync): vdev.h: "pcl_vdev_read() only reads the engine, so any
// number of reads may run concurrently, provided the backend's read is
// thread-safe" - it is when B is Sync - and "pcl_vdev_save() only reads".
// Everything that changes the engine (write, load, reset, set_notify)
// takes &mut self, as vdev.h requires ("each needs exclusive access"); the
// notify callback runs only inside write, so it is never shared.
unsafe impl<B: VdevBackend + Sync> Sync for Vdev<B> {}

impl<B: VdevBackend> Drop for Vdev<B> {
    fn drop(&mut self) {
        // SAFETY: the engine first, then what it pointed at; each owned
        // and freed once.
        unsafe {
            sys::pcl_vdev_free(self.raw.as_ptr());
            drop(Box::from_raw(self.backend.as_ptr()));
            if let Some(n) = self.notify {
                drop(Box::from_raw(n.as_ptr()));
            }
        }
    }
}

unsafe extern "C" fn notify_trampoline(opaque: *mut c_void, ev: *const sys::pcl_vdev_event) {
    // SAFETY: `opaque` is the Notify the Vdev owns; the engine calls it
    // only from pcl_vdev_write(), under the Vdev's &mut borrow; `ev` is
    // valid during the call.
    let f = &mut *(opaque as *mut Notify);
    let e = &*ev;
    let event = VdevEvent {
        hook: Hook::from_raw(e.hook),
        index: e.index,
        offset: e.offset,
        width: e.width,
        old_value: e.old_value,
        new_value: e.new_value,
    };
    catch((), || f(&event));
}

impl<B: VdevBackend> Vdev<B> {
    /// An engine running `guest` (copied: the view may be dropped after)
    /// over `backend`. A view with physical or write-through bytes needs a
    /// backend other than [`NoDevice`].
    pub fn new(guest: &Guest, backend: B) -> Result<Vdev<B>> {
        let be = Box::into_raw(Box::new(backend));
        let mut err = sys::pcl_error::default();
        // SAFETY: `be` stays at its address until Drop, which frees the
        // engine first; the guest is only read.
        let raw = unsafe {
            let ops = B::ops(be);
            sys::pcl_vdev_new(guest.raw(), ops.as_ref().map_or(ptr::null(), |o| o), &mut err)
        };
        let raw = match NonNull::new(raw) {
            Some(raw) => raw,
            None => {
                let e = Error::last_os_with(&err);
                // SAFETY: the engine was not made; the backend is ours again.
                drop(unsafe { Box::from_raw(be) });
                return Err(e);
            }
        };
        Ok(Vdev {
            raw,
            // SAFETY: from Box::into_raw, never NULL.
            backend: unsafe { NonNull::new_unchecked(be) },
            notify: None,
            _ctx: guest.ctx().clone(),
        })
    }

    /// A guest config read of `len` (1, 2 or 4) bytes at `off`: the value,
    /// little-endian, zero-extended.
    pub fn read(&self, off: u32, len: u32) -> Result<u32> {
        let mut v = 0;
        // SAFETY: a read only reads the engine (vdev.h); see Sync above.
        let r = unsafe { sys::pcl_vdev_read(self.raw.as_ptr(), off, len, &mut v) };
        resume_pending_panic();
        Error::check_ret(r).map(|_| v)
    }

    /// A guest config write; hooked registers it changes are reported to
    /// the notify callback before it returns.
    pub fn write(&mut self, off: u32, len: u32, val: u32) -> Result<()> {
        // SAFETY: &mut self: the exclusive access vdev.h requires.
        let r = unsafe { sys::pcl_vdev_write(self.raw.as_ptr(), off, len, val) };
        resume_pending_panic();
        Error::check_ret(r).map(drop)
    }

    /// Call `f` for every hooked register a write changes (replacing any
    /// earlier callback).
    pub fn set_notify<F: FnMut(&VdevEvent) + Send + 'static>(&mut self, f: F) {
        let n: Notify = Box::new(f);
        let n = Box::into_raw(Box::new(n));
        // SAFETY: &mut self; the callback lives until replaced or dropped,
        // after the engine stops pointing at it.
        unsafe {
            sys::pcl_vdev_set_notify(self.raw.as_ptr(), Some(notify_trampoline), n.cast());
            if let Some(old) = self.notify.replace(NonNull::new_unchecked(n)) {
                drop(Box::from_raw(old.as_ptr()));
            }
        }
    }

    /// Remove the notify callback.
    pub fn clear_notify(&mut self) {
        // SAFETY: &mut self; the engine stops pointing at the callback
        // before it is freed.
        unsafe {
            sys::pcl_vdev_set_notify(self.raw.as_ptr(), None, ptr::null_mut());
            if let Some(old) = self.notify.take() {
                drop(Box::from_raw(old.as_ptr()));
            }
        }
    }

    /// Return every emulated byte to its initial value (a function-level
    /// reset); the device is not touched.
    pub fn reset(&mut self) {
        // SAFETY: &mut self.
        unsafe { sys::pcl_vdev_reset(self.raw.as_ptr()) }
    }

    /// The fingerprint of the view the engine runs.
    pub fn fingerprint(&self) -> String {
        // SAFETY: a string owned by the engine, copied at once.
        unsafe { CStr::from_ptr(sys::pcl_vdev_fingerprint(self.raw.as_ptr())) }
            .to_string_lossy()
            .into_owned()
    }

    /// The engine's emulated state, as a self-describing blob that
    /// [`Vdev::load`] restores (docs/vdev-state.md).
    pub fn save(&self) -> Result<Vec<u8>> {
        let mut needed = 0;
        // SAFETY: save only reads the engine; the first call asks the size.
        unsafe { sys::pcl_vdev_save(self.raw.as_ptr(), ptr::null_mut(), 0, &mut needed) };
        let mut buf = vec![0u8; needed];
        // SAFETY: `buf` has `needed` bytes.
        let r = unsafe { sys::pcl_vdev_save(self.raw.as_ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut needed) };
        Error::check_ret(r)?;
        buf.truncate(needed);
        Ok(buf)
    }

    /// Restore state saved by [`Vdev::save`] of an engine of the same view;
    /// the blob is checked in full first, and the engine is unchanged on
    /// error.
    pub fn load(&mut self, blob: &[u8]) -> Result<()> {
        let mut err = sys::pcl_error::default();
        // SAFETY: &mut self; the blob is only read.
        let r = unsafe { sys::pcl_vdev_load(self.raw.as_ptr(), blob.as_ptr().cast(), blob.len(), &mut err) };
        Error::check(r, &err)
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        // SAFETY: owned by self; engine calls through &self only read it.
        unsafe { self.backend.as_ref() }
    }

    /// The backend, alone (no engine call runs while it is borrowed).
    pub fn backend_mut(&mut self) -> &mut B {
        // SAFETY: &mut self excludes every engine call.
        unsafe { self.backend.as_mut() }
    }
}
