// SPDX-License-Identifier: BSD-3-Clause
/*
 * harness.c - what Frama-C's Eva analyses (proof/run.sh): the engine's
 * guest-access path, pcl_vdev_read() and pcl_vdev_write() with everything
 * they call, for any offset, length and value, against a backend and a
 * notify callback that may do anything the API allows them; and the
 * engine's construction, pcl_vdev_new(), from a guest view of any bytes.
 *
 * The proof has two halves, joined by one ACSL predicate, engine_ok():
 *  1. prove_new(): whatever bytes the guest view holds and whatever
 *     backend functions are given, an engine pcl_vdev_new() returns
 *     satisfies engine_ok() (an ACSL check, which Eva must prove);
 *  2. prove_access(): an engine of which engine_ok() is all that is
 *     known - every other byte of it arbitrary - takes any sequence of
 *     guest reads, writes (with the notify callback running and calling
 *     back into the engine), resets and hook queries without a runtime
 *     error, every backend call meets the backend contract of vdev.h, and
 *     engine_ok() still holds afterwards.
 * Eva must report no alarm and prove every property (run.sh checks
 * both). This file is never compiled into the library or its tests.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "__fc_builtin.h"

#include "internal.h"
#include "guest-internal.h"

/*
 * What the access path assumes of an engine, and all it assumes: sources,
 * masks, flags, segment ends, the hooks' kinds and widths, the fast-path
 * table, the shadow and every other byte may hold anything.
 */
/*@
  predicate vbyte_ok(struct vbyte b) =
	b.phys < PCL_CFG_SIZE && b.hook <= PCL_GUEST_MAX_HOOKS;

  predicate hook_ok(struct pcl_guest_hook h) = h.offset < PCL_CFG_SIZE;

  predicate engine_ok(struct pcl_vdev *v) =
	\valid(v) && v->nhooks <= PCL_GUEST_MAX_HOOKS &&
	v->be.read != \null && v->be.write != \null &&
	(\forall integer i; 0 <= i < PCL_CFG_SIZE ==> vbyte_ok(v->b[i])) &&
	(\forall integer k; 0 <= k < PCL_GUEST_MAX_HOOKS ==>
		hook_ok(v->hooks[k]));
*/

static uint32_t any_u32(void)
{
	return Frama_C_unsigned_int_interval(0, UINT_MAX);
}

static uint8_t any_u8(void)
{
	return (uint8_t)Frama_C_interval(0, UINT8_MAX);
}

static int any_bool(void)
{
	return Frama_C_nondet(0, 1);
}

static int device; /* the backend's opaque */

/*
 * The backend: any value, any result (0, an error, or any other int). Its
 * preconditions are the contract vdev.h gives backends - naturally
 * aligned accesses of 1, 2 or 4 bytes inside config space, with the
 * opaque pointer given - and Eva checks them at every call.
 */
/*@
  requires size: len == 1 || len == 2 || len == 4;
  requires aligned: off % len == 0;
  requires inside: off < PCL_CFG_SIZE;
  requires opaque: opaque == &device;
  requires out: \valid(val);
  assigns *val, \result \from off, len;
*/
int pcl_proof_be_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val);

/*@
  requires size: len == 1 || len == 2 || len == 4;
  requires aligned: off % len == 0;
  requires inside: off < PCL_CFG_SIZE;
  requires opaque: opaque == &device;
  assigns \result \from off, len, val;
*/
int pcl_proof_be_write(void *opaque, uint32_t off, uint32_t len, uint32_t val);

/*
 * What the engine reports to its errors (error.c formats a message; not
 * on the access path): @err's fields, if @err is given.
 */
/*@
  requires err: err == \null || \valid(err);
  assigns *err, \result \from ret, source, line, column, offset;
  ensures \result == ret;
*/
int pcl_set_error(struct pcl_error *err, int ret, const char *source,
		  uint32_t line, uint32_t column, int32_t offset,
		  const char *fmt, ...);

/*
 * The state records (state.c) are serialized once an engine's tables are
 * final and never read by the access path: modelled as the allocation
 * that may fail, which is all pcl_vdev_new() sees of them.
 */
int pcl_vdev_state_init(struct pcl_vdev *v)
{
	v->rec = NULL;
	v->rec_len = 0;
	return any_bool() ? 0 : -ENOMEM;
}

/*
 * Any length, in cases: 1, 2, 4, 0, 3, and 5 up. Each valid length is a
 * case of its own so that Eva follows each on its own (an interval of
 * lengths would lose what the bounds check tells of the offset for each);
 * together the cases are every 32-bit value.
 */
#define LEN_CASES 6
static uint32_t any_len(int which)
{
	switch (which) {
	case 0:
		return 1;
	case 1:
		return 2;
	case 2:
		return 4;
	case 3:
		return 0;
	case 4:
		return 3;
	default:
		return Frama_C_unsigned_int_interval(5, UINT_MAX);
	}
}

/*
 * ACCESS(len) for any length: one call site per case of any_len(), which
 * Eva keeps apart.
 */
#define WITH_ANY_LEN(ACCESS)                                   \
	do {                                                   \
		switch (Frama_C_interval(0, LEN_CASES - 1)) {  \
		case 0:                                        \
			ACCESS(any_len(0));                    \
			break;                                 \
		case 1:                                        \
			ACCESS(any_len(1));                    \
			break;                                 \
		case 2:                                        \
			ACCESS(any_len(2));                    \
			break;                                 \
		case 3:                                        \
			ACCESS(any_len(3));                    \
			break;                                 \
		case 4:                                        \
			ACCESS(any_len(4));                    \
			break;                                 \
		default:                                       \
			ACCESS(any_len(5));                    \
			break;                                 \
		}                                              \
	} while (0)

/*
 * A guest read, and a guest write of any value, at any offset, of any
 * length. (Two functions: sharing one, the callback's reads would look to
 * Eva like recursion through the write that calls the callback.)
 */
static void any_read(const struct pcl_vdev *v, uint32_t *val)
{
	uint32_t off = any_u32();

#define READ(len) pcl_vdev_read(v, off, (len), val)
	WITH_ANY_LEN(READ);
#undef READ
}

static void any_write(struct pcl_vdev *v)
{
	uint32_t off = any_u32(), val = any_u32();

#define WRITE(len) pcl_vdev_write(v, off, (len), val)
	WITH_ANY_LEN(WRITE);
#undef WRITE
}

/*
 * The notify callback reads the whole event and does what vdev.h allows
 * it, any number of times: reads of the engine (any offset and length)
 * and pcl_vdev_hook(). It checks engine_ok() holds while it runs.
 */
static void notify(void *opaque, const struct pcl_vdev_event *ev)
{
	const struct pcl_vdev *v = opaque;
	struct pcl_vdev_event e = *ev;
	uint32_t val;

	//@ check in_callback: engine_ok((struct pcl_vdev *)v);
	while (any_bool()) {
		if (any_bool())
			any_read(v, &val);
		else
			pcl_vdev_hook(v, any_u32(), &e);
	}
}

/* Any sequence of guest accesses and resets, with any arguments. */
static void guest_accesses(struct pcl_vdev *v)
{
	uint32_t val = 0;
	struct pcl_vdev_event ev;

	while (any_bool()) {
		uint32_t off = any_u32();

		switch (Frama_C_interval(0, 5)) {
		case 0:
			any_read(v, &val);
			break;
		case 1:
			any_write(v);
			break;
		case 2:
			pcl_vdev_reset(v);
			break;
		case 3:
			pcl_vdev_hook(v, off, &ev);
			break;
		case 4: /* the argument checks */
			any_read(any_bool() ? v : NULL,
				 any_bool() ? &val : NULL);
			any_write(NULL);
			pcl_vdev_hook(any_bool() ? v : NULL, off,
				      any_bool() ? &ev : NULL);
			break;
		default:
			pcl_vdev_set_notify(v, any_bool() ? notify : NULL, v);
			break;
		}
	}
}

/*
 * 1. pcl_vdev_new() from any guest view, with or without a backend or
 * either of its functions, establishes engine_ok(). (Its stand-ins for a
 * missing backend function return -EIO: a backend as the second half
 * assumes one.)
 */
static struct pcl_guest guest;

static void prove_new(void)
{
	struct pcl_vdev_backend be = { .opaque = &device };
	struct pcl_error err;
	struct pcl_vdev *v;

	Frama_C_make_unknown((char *)&guest, sizeof(guest));
	guest.ctx = NULL; /* only copied */
	be.read = any_bool() ? pcl_proof_be_read : NULL;
	be.write = any_bool() ? pcl_proof_be_write : NULL;
	v = pcl_vdev_new(any_bool() ? &guest : NULL, any_bool() ? &be : NULL,
			 any_bool() ? &err : NULL);
	if (!v)
		return;
	//@ check new_ok: engine_ok(v);
	pcl_vdev_free(v);
}

/*
 * 2. Any engine of which engine_ok() holds - each field of each byte over
 * its whole range, the constrained ones over the range engine_ok() allows
 * - under any accesses. (run.sh's -eva-plevel keeps each byte's fields
 * apart where a store could reach any byte, instead of one summary.)
 */
static struct pcl_vdev engine;

static void build_engine(struct pcl_vdev *v)
{
	Frama_C_make_unknown((char *)v->shadow, sizeof(v->shadow));
	Frama_C_make_unknown((char *)v->init, sizeof(v->init));
	Frama_C_make_unknown((char *)v->kept, sizeof(v->kept));
	Frama_C_make_unknown((char *)v->fast, sizeof(v->fast));
	Frama_C_make_unknown((char *)v->hook_mask, sizeof(v->hook_mask));
	Frama_C_make_unknown(v->fingerprint, sizeof(v->fingerprint));
	v->be.read = pcl_proof_be_read;
	v->be.write = pcl_proof_be_write;
	v->be.opaque = &device;
	v->notify = any_bool() ? notify : NULL;
	v->notify_opaque = v;
	v->nhooks = Frama_C_unsigned_int_interval(0, PCL_GUEST_MAX_HOOKS);
	/*
	 * Field by field: each store joins its value with the zero the
	 * static engine starts from, so every field ends over its whole range
	 * in every byte (0 included).
	 */
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		struct vbyte *b = &v->b[i];

		b->src = any_u8();
		b->smask = any_u8();
		b->w1c = any_u8();
		b->vmask = any_u8();
		b->hwmask = any_u8();
		b->flags = any_u8();
		b->hook = (uint8_t)Frama_C_interval(0, PCL_GUEST_MAX_HOOKS);
		b->trig = any_u8();
		b->phys = (uint16_t)Frama_C_interval(0, PCL_CFG_SIZE - 1);
		b->seg_end = (uint16_t)Frama_C_interval(0, UINT16_MAX);
	}
	for (uint32_t k = 0; k < PCL_GUEST_MAX_HOOKS; k++) {
		v->hooks[k].hook = any_u8();
		v->hooks[k].width = any_u8();
		v->hooks[k].offset = (uint16_t)Frama_C_interval(0, PCL_CFG_SIZE - 1);
	}
	//@ check built_ok: engine_ok(v);
}

static void prove_access(void)
{
	build_engine(&engine);
	guest_accesses(&engine);
	//@ check kept_ok: engine_ok(&engine);
}

/*
 * The gate's self-test (run.sh --self-test) analyses a library with a
 * bug put in on purpose, on this engine and one access: the gate must
 * fail.
 */
static void one_read(void)
{
	uint32_t val;

	any_read(&engine, &val);
}

/*
 * run.sh analyses both halves; -DPROOF_PART=1 or 2 analyses one alone
 * (run.sh -D...), 3 is the self-test's.
 */
#ifndef PROOF_PART
#define PROOF_PART 0
#endif
void pcl_proof_main(void)
{
#if PROOF_PART == 1
	prove_new();
#elif PROOF_PART == 2
	prove_access();
#elif PROOF_PART == 3
	build_engine(&engine);
	one_read();
#else
	if (any_bool())
		prove_new();
	else
		prove_access();
#endif
}
