// SPDX-License-Identifier: BSD-3-Clause
/*
 * untraced.cpp - a clang pass plugin for the libFuzzer build (fuzz/setup.sh
 * loads it with -fpass-plugin): the compares of UBSan's checks stay out of
 * SanitizerCoverage's comparison tracing, the checks themselves unchanged.
 *
 * Why: clang emits UBSan's checks before any LLVM pass runs, so
 * SanitizerCoverage (-fsanitize=fuzzer) sees their integer compares as
 * the program's own and calls a __sanitizer_cov_trace_*cmp* hook at each:
 * the alignment of every pointer a member is read through, every pointer
 * sum, every index into an array of known size. That was half the hooks
 * fuzz_walk and fuzz_vdev called (39,500 of an input's, 18,300 left
 * without it; 64,000 and 31,700), and their operands, addresses and
 * sizes, went into libFuzzer's table of recent compares, which its
 * mutator draws bytes from (BENCHMARKS.md, item 5, eighth pass).
 *
 * How: SanitizerCoverage traces compares of integers only. A compare
 * whose every use decides a branch clang marked !nosanitize (a check's;
 * directly or through i1 and/or/xor/select) is rewritten as the same
 * compare of the operands converted to pointers, which the target
 * compares as the same integers. It runs at the end of the optimisation
 * pipeline, where the plugin's callback comes before the sanitizer passes
 * clang adds there; nothing after it folds the compare back. What a check
 * tests and reports is unchanged (fuzz/setup.sh builds a probe with and
 * without the plugin and refuses a plugin under which a check is silent).
 * Should the optimiser fold a condition of the program into a check's
 * branch, that compare goes untraced too: still computed, only not fed to
 * the mutator.
 */
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

using namespace llvm;

namespace {

/* How deep a check's condition may combine compares (and/or/select). */
constexpr int max_depth = 8;

/* Does @v decide sanitizer checks alone? */
bool only_checks(const Value *v, int depth)
{
	if (depth > max_depth || v->use_empty())
		return false;
	for (const User *u : v->users()) {
		const auto *i = dyn_cast<Instruction>(u);

		if (!i)
			return false;
		if (isa<BranchInst>(i)) {
			if (!i->getMetadata("nosanitize"))
				return false;
			continue;
		}
		bool logic = i->getOpcode() == Instruction::And ||
			     i->getOpcode() == Instruction::Or ||
			     i->getOpcode() == Instruction::Xor ||
			     isa<SelectInst>(i);
		if (!logic || !i->getType()->isIntegerTy(1) ||
		    !only_checks(i, depth + 1))
			return false;
	}
	return true;
}

/* A pointer type: opaque since LLVM 17, an i8 pointer before. */
Type *pointer(IRBuilder<> &b)
{
#if LLVM_VERSION_MAJOR >= 17
	return b.getPtrTy();
#else
	return b.getInt8PtrTy();
#endif
}

/* @c as a compare of pointers: same predicate, same integer values (a
 * narrower operand extended as the predicate reads it). */
void untrace(ICmpInst *c)
{
	IRBuilder<> b(c);
	Type *i64 = b.getInt64Ty(), *ptr = pointer(b);
	Value *x = c->getOperand(0), *y = c->getOperand(1);

	if (x->getType() != i64) {
		x = c->isSigned() ? b.CreateSExt(x, i64) : b.CreateZExt(x, i64);
		y = c->isSigned() ? b.CreateSExt(y, i64) : b.CreateZExt(y, i64);
	}
	c->replaceAllUsesWith(b.CreateICmp(c->getPredicate(),
					   b.CreateIntToPtr(x, ptr),
					   b.CreateIntToPtr(y, ptr)));
	c->eraseFromParent();
}

/* Is @i a compare of integers (up to 64 bits) that only checks decide? */
bool check_compare(const Instruction &i)
{
	const auto *c = dyn_cast<ICmpInst>(&i);
	const Type *t = c ? c->getOperand(0)->getType() : nullptr;

	return c && t->isIntegerTy() && t->getIntegerBitWidth() <= 64 &&
	       only_checks(c, 0);
}

struct Untraced : PassInfoMixin<Untraced> {
	PreservedAnalyses run(Module &m, ModuleAnalysisManager &)
	{
		SmallVector<ICmpInst *, 64> todo;

		for (Function &f : m)
			for (Instruction &i : instructions(f))
				if (check_compare(i))
					todo.push_back(cast<ICmpInst>(&i));
		for (ICmpInst *c : todo)
			untrace(c);
		return todo.empty() ? PreservedAnalyses::all() :
				      PreservedAnalyses::none();
	}
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo()
{
	return { LLVM_PLUGIN_API_VERSION, "pcilayout-untraced", "1",
		 [](PassBuilder &pb) {
			 pb.registerOptimizerLastEPCallback(
#if LLVM_VERSION_MAJOR >= 20
				 [](ModulePassManager &mpm, OptimizationLevel,
				    ThinOrFullLTOPhase) {
#else
				 [](ModulePassManager &mpm, OptimizationLevel) {
#endif
					 mpm.addPass(Untraced());
				 });
		 } };
}
