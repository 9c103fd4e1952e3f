# SPDX-License-Identifier: BSD-3-Clause
# qemu-view.sh - sourced by the e2e guest: what stock QEMU's guest sees for
# a function assigned with -device vfio-pci (Debian's QEMU, run inside the
# e2e guest under qtest: no guest code runs, QEMU answers config reads the
# way it answers a guest's).

# qemu_view ADDR OUT: ADDR (bound to vfio-pci) as QEMU presents it, written
# to OUT as an lspci -xxxx dump. An Endpoint goes behind a root port and a
# Root Complex Integrated Endpoint on the root bus, the two placements in
# which QEMU keeps the device's own PCI Express type (vfio_setup_pcie_cap()
# converts it otherwise). Returns 1 when QEMU does not answer.
qemu_view() {
	type=$(pcilayout show --json "$1" 2>/dev/null | sed -n 's/.*"pcie_type": \([0-9]*\).*/\1/p')
	if [ "$type" = 9 ]; then
		where="-device vfio-pci,host=$1,addr=04.0" base=$((0xb0020000))
	else
		where="-device pcie-root-port,id=rp,chassis=1,addr=04.0 -device vfio-pci,host=$1,bus=rp,addr=00.0"
		base=$((0xb0100000))
	fi
	{
		# MMCONFIG at 0xb0000000 (q35's PCIEXBAR, 00:00.0 + 0x60), then
		# the root port's bus numbers (primary 0, secondary/subordinate 1).
		echo "outl 0xcf8 0x80000060"
		echo "outl 0xcfc 0xb0000001"
		echo "writel 0xb0020018 0x00010100"
		o=0
		while [ $o -lt 4096 ]; do
			echo "readl $((base + o))"
			o=$((o + 4))
		done
	} >/tmp/qtest.in
	rm -f /tmp/qtest.done
	# Created here, not by the background job's redirection, which may
	# come after the first look at it.
	: >/tmp/qtest.out
	# The commands go through a pipe that stays open until every read is
	# answered: at the end of a regular file, QEMU's qtest chardev may
	# close before it has processed what it read.
	# shellcheck disable=SC2086 # $where is words on purpose
	{
		cat /tmp/qtest.in
		while [ ! -e /tmp/qtest.done ]; do sleep 0.1; done
	} | qemu-system-x86_64 -L /usr/share/qemu -M q35 -m 128 -nodefaults \
		-display none -qtest stdio $where >/tmp/qtest.out \
		2>/tmp/qtest.err &
	q=$!
	# Every read answered (a complete 16-digit answer, not a line still
	# being written), or a minute gone.
	i=0
	while [ "$(grep -c '^OK 0x[0-9a-f]\{16\}$' /tmp/qtest.out)" -lt 1024 ] &&
	      [ $i -lt 600 ] && kill -0 $q 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	touch /tmp/qtest.done
	kill $q 2>/dev/null
	wait $q 2>/dev/null
	sed -n 's/^OK 0x[0-9a-f]*\([0-9a-f]\{8\}\)$/\1/p' /tmp/qtest.out >/tmp/qtest.words
	[ "$(wc -l </tmp/qtest.words)" -eq 1024 ] || return 1
	{
		echo "00:00.0 QEMU's view of $1"
		o=0 line=""
		while read -r w; do
			line="$line ${w:6:2} ${w:4:2} ${w:2:2} ${w:0:2}"
			o=$((o + 4))
			if [ $((o % 16)) -eq 0 ]; then
				printf '%02x:%s\n' $((o - 16)) "$line"
				line=""
			fi
		done </tmp/qtest.words
	} >"$2"
}

# dump_bytes DUMP: "offset byte" per line, from an lspci -xxxx dump.
dump_bytes() {
	awk '$1 ~ /^[0-9a-f]+:$/ { o = 0; s = substr($1, 1, length($1) - 1);
		for (i = 1; i <= length(s); i++)
			o = o * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1;
		for (i = 2; i <= NF; i++) printf "%d %s\n", o + i - 2, $i }' "$1"
}
