// SPDX-License-Identifier: BSD-3-Clause
//! The library context: logging settings, shared by every object made
//! from it. A `Ctx` is a counted handle: objects hold a clone, so the
//! context outlives them, as common.h requires ("every object created from
//! a context keeps a borrowed pointer to it; the context must outlive
//! them").
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::sys;
use crate::util::{array_str, cow};

/// syslog(3) priorities, as the log callback receives them.
pub mod priority {
    /// Errors.
    pub const ERR: i32 = 3;
    /// Warnings.
    pub const WARNING: i32 = 4;
    /// Notices.
    pub const NOTICE: i32 = 5;
    /// Information.
    pub const INFO: i32 = 6;
    /// Debugging.
    pub const DEBUG: i32 = 7;
}

/// One message of the library, as given to the log callback.
#[derive(Debug)]
pub struct LogRecord<'a> {
    /// A syslog(3) priority (see [`priority`]).
    pub priority: i32,
    /// The library's source file that logged.
    pub file: &'a str,
    /// The line in `file`.
    pub line: u32,
    /// The function that logged.
    pub function: &'a str,
    /// The message, without a trailing newline.
    pub message: &'a str,
}

type Logger = dyn Fn(&LogRecord<'_>) + Send + Sync;

struct Inner {
    raw: NonNull<sys::pcl_ctx>,
    /// The callback `raw` points at; freed after the context.
    _logger: Option<Box<Box<Logger>>>,
}

// SAFETY (Send): a pcl_ctx is plain heap memory with no tie to the thread
// that made it (common.h: "no global mutable state"), so it may be used and
// freed from any thread. The logger is Send.
unsafe impl Send for Inner {}
// SAFETY (Sync): common.h: "A context may be shared by any number of
// threads, which may call any function with it at the same time ...
// except pcl_ctx_set_log_fn() and pcl_ctx_set_log_priority(): call them
// before sharing the context". A Ctx calls them only in its constructor,
// before any other thread can see it. "The log callback may then be called
// from several threads at once", hence `Fn + Send + Sync`.
unsafe impl Sync for Inner {}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: the last handle is gone, so no object made from the
        // context is left (each holds a handle); freed once.
        unsafe { sys::pcl_ctx_free(self.raw.as_ptr()) }
    }
}

/// A library context (`struct pcl_ctx`). Cloning gives another handle to
/// the same context.
#[derive(Clone)]
pub struct Ctx(Arc<Inner>);

impl Ctx {
    /// A silent context (no log callback).
    pub fn new() -> Result<Ctx> {
        // SAFETY: no preconditions; NULL sets errno.
        let raw = NonNull::new(unsafe { sys::pcl_ctx_new() }).ok_or_else(Error::last_os)?;
        Ok(Ctx(Arc::new(Inner { raw, _logger: None })))
    }

    /// A context that passes every message up to `max_priority` (a
    /// [`priority`] value) to `logger`. The logger may be called from any
    /// thread that uses an object of this context, from several at once.
    /// A panic in it is caught and the message dropped: it must not unwind
    /// into the C library.
    pub fn with_logger<F>(max_priority: i32, logger: F) -> Result<Ctx>
    where
        F: Fn(&LogRecord<'_>) + Send + Sync + 'static,
    {
        // SAFETY: as in new().
        let raw = NonNull::new(unsafe { sys::pcl_ctx_new() }).ok_or_else(Error::last_os)?;
        let logger: Box<Box<Logger>> = Box::new(Box::new(logger));
        let opaque = &*logger as *const Box<Logger> as *mut c_void;
        // SAFETY: the context is new and not shared yet. `opaque` points
        // into the heap block `_logger` owns, which lives as long as the
        // context (Inner drops the context first).
        unsafe {
            sys::pcl_ctx_set_log_fn(raw.as_ptr(), Some(log_trampoline), opaque);
            sys::pcl_ctx_set_log_priority(raw.as_ptr(), max_priority);
        }
        Ok(Ctx(Arc::new(Inner {
            raw,
            _logger: Some(logger),
        })))
    }

    /// The highest priority that is logged, or None when nothing listens.
    pub fn log_priority(&self) -> Option<i32> {
        // SAFETY: the context is valid; the call only reads it.
        let p = unsafe { sys::pcl_ctx_get_log_priority(self.raw()) };
        Some(p).filter(|&p| p >= 0)
    }

    /// Vendor and device names from pci.ids, in lspci's wording ("Intel
    /// Corporation 82576 Gigabit Network Connection"); `Err` holds the
    /// fallback text ("Device 8086:10c9") when pci.ids lacks them.
    pub fn device_name(&self, vendor_id: u16, device_id: u16) -> std::result::Result<String, String> {
        // SAFETY: name lookups may run on any number of threads at once
        // (cfg.h); the buffer's size is passed.
        names(|buf, len| unsafe { sys::pcl_names_device(self.raw(), vendor_id, device_id, buf, len) })
    }

    /// The class name of a 24-bit class code, e.g. "Ethernet controller";
    /// `Err` holds the fallback ("Class 02ff").
    pub fn class_name(&self, class_code: u32) -> std::result::Result<String, String> {
        // SAFETY: as in device_name().
        names(|buf, len| unsafe { sys::pcl_names_class(self.raw(), class_code, buf, len) })
    }

    /// The raw context, for calls this crate does not wrap. It stays valid
    /// as long as this handle (or any clone) lives; do not change its log
    /// settings.
    pub fn raw(&self) -> *mut sys::pcl_ctx {
        self.0.raw.as_ptr()
    }
}

/// Run a pcl_names_*() call into a buffer: Ok(name), or Err(fallback) when
/// it returned -ENOENT.
fn names(f: impl FnOnce(*mut c_char, usize) -> c_int) -> std::result::Result<String, String> {
    let mut buf = [0 as c_char; 256];
    let r = f(buf.as_mut_ptr(), buf.len());
    let text = array_str(&buf).into_owned();
    if r < 0 {
        Err(text)
    } else {
        Ok(text)
    }
}

unsafe extern "C" fn log_trampoline(
    opaque: *mut c_void,
    priority: c_int,
    file: *const c_char,
    line: c_int,
    function: *const c_char,
    msg: *const c_char,
) {
    // SAFETY: `opaque` is the Box<Logger> installed by with_logger(), alive
    // as long as the context; the strings are valid during the call.
    let logger = &*(opaque as *const Box<Logger>);
    let file = cow(file).unwrap_or_default();
    let function = cow(function).unwrap_or_default();
    let message = cow(msg).unwrap_or_default();
    let rec = LogRecord {
        priority,
        file: &file,
        line: u32::try_from(line).unwrap_or(0),
        function: &function,
        message: &message,
    };
    let _ = panic::catch_unwind(AssertUnwindSafe(|| logger(&rec)));
}
