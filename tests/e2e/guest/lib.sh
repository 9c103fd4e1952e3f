# SPDX-License-Identifier: BSD-3-Clause
# lib.sh - sourced by the e2e guest: checks that print TAP lines on the
# console, and the sysfs steps a user takes to hand a function to vfio-pci.
# Command output goes to /tmp/out and /tmp/err, and is shown after a failed
# check as TAP comments.

ok() { echo "E2E: ok - $*"; }

not_ok() {
	echo "E2E: not ok - $*"
	for f in /tmp/out /tmp/err; do
		[ -s "$f" ] && head -n 15 "$f" | sed "s|^|E2E: # ${f#/tmp/}: |"
	done
	return 0
}

# expect_exit CODE TEXT CMD...: CMD exits with CODE.
expect_exit() {
	want=$1 text=$2
	shift 2
	"$@" >/tmp/out 2>/tmp/err
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$text"; else not_ok "$text (exit $got, expected $want)"; fi
}

# expect_grep FILE PATTERN TEXT: FILE holds the fixed string PATTERN.
expect_grep() {
	if grep -qF -- "$2" "$1"; then ok "$3"; else not_ok "$3 ('$2' not found)"; fi
}

# expect_eq A B TEXT
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 ('$1' != '$2')"; fi
}

# The vfio stack; vfio_iommu_type1 needs allow_unsafe_interrupts because
# the emulated IOMMU runs without interrupt remapping (Linux 6.1 under TCG
# panics with intremap=on: "timer doesn't work through Interrupt-remapped
# IO-APIC").
load_vfio() {
	while read -r m; do
		case "$m" in
		vfio_iommu_type1.ko) insmod "/lib/modules/$m" allow_unsafe_interrupts=1 ;;
		*) insmod "/lib/modules/$m" ;;
		esac || return 1
	done </lib/modules/load-order
}

# bind_vfio ADDR: what a user does to assign a function: unbind it from its
# driver, make vfio-pci its only driver, and probe it again.
bind_vfio() {
	d=/sys/bus/pci/devices/$1
	echo vfio-pci >"$d/driver_override" || return 1
	[ -e "$d/driver" ] && { echo "$1" >"$d/driver/unbind" || return 1; }
	echo "$1" >/sys/bus/pci/drivers_probe || return 1
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ]
}

# fingerprint_of SOURCE: plan SOURCE with the defaults, print the layout's
# fingerprint (empty on failure; the plan is kept in /tmp/plan.json).
fingerprint_of() {
	pcilayout plan -o /tmp/plan.json "$1" >/tmp/out 2>/tmp/err &&
		pcilayout fingerprint /tmp/plan.json | cut -d' ' -f1
}
