#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Format-1 conformance (tests/conformance/run.py): the built tool against
# pcl1.py, the independent reader, over the shipped layouts, the corpus
# plans and the generated variants. Needs a python3 with jsonschema; the
# corpus plans are left out (and the run says so) when ../shared/corpus is
# absent.
set -u
: "${PCL_SRCDIR:?}" "${PCILAYOUT:?}"
. "$PCL_SRCDIR/tests/cli/lib.sh"
find_python || { echo "SKIP: no python3 with jsonschema"; exit 77; }
"$py" "$PCL_SRCDIR/tests/conformance/run.py" --impl "$PCILAYOUT" \
	--planner "$PCILAYOUT" --srcdir "$PCL_SRCDIR" --corpus "${PCL_CORPUS:-}"
