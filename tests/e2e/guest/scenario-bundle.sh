# SPDX-License-Identifier: BSD-3-Clause
# scenario-bundle.sh - `pcilayout collect` and check's IOMMU width on a real
# kernel: the bundle says what this kernel's sysfs says (every IOMMU
# attribute, every function's config space, IOMMU group, IOMMU and driver,
# each VF's PF and kernel identity), its PASID support is decoded from the
# ecap the kernel prints, and `check` takes the IOMMU's width from sysfs,
# or from the bundle, with the answer that width calls for. Whatever the
# emulated IOMMU reports (with or without PASID, boots.txt), the expected
# answers are computed here from sysfs, never assumed.
sys=/sys/bus/pci/devices

# hexof FILE: FILE's bytes as lower-case hex, one line.
hexof() {
	hexdump -v -e '/1 "%02x"' "$1"
}

# The width IOMMU_GET_HW_INFO would report from an Intel ecap: PASID (bit
# 40) and scalable mode (bit 43) give PSS (bits 39:35) + 1, else 0.
vtd_width() {
	e=$((0x$1))
	if [ $(((e >> 40) & 1)) -eq 1 ] && [ $(((e >> 43) & 1)) -eq 1 ]; then
		echo $((((e >> 35) & 31) + 1))
	else
		echo 0
	fi
}

# Make VFs where a PF can have them, so the bundle has PF links to show.
for d in "$sys"/*; do
	[ -e "$d/sriov_totalvfs" ] || continue
	echo 0 >"$d/sriov_drivers_autoprobe"
	echo 2 >"$d/sriov_numvfs" && ok "bundle: VFs of ${d##*/} created" || not_ok "bundle: VFs of ${d##*/} created"
done

expect_exit 0 "bundle: collect as root" pcilayout collect
cp /tmp/out /tmp/bundle.json
if [ -s /tmp/err ]; then not_ok "bundle: collect as root says nothing on stderr"; else ok "bundle: collect as root says nothing on stderr"; fi
b=/tmp/bundle.json
expect_grep $b '"format": "pcilayout-bundle"' "bundle: its format"
expect_grep $b "\"release\": \"$(uname -r)\"" "bundle: the kernel release"
expect_grep $b "\"name\": \"$(uname -n)\"" "bundle: the host name"
expect_grep $b '"root": true' "bundle: collected as root"

# Every IOMMU attribute, as the kernel wrote it, and its decoded width.
niommu=0
for d in /sys/class/iommu/*; do
	[ -e "$d" ] || continue
	niommu=$((niommu + 1))
	name=${d##*/}
	for a in "$d"/intel-iommu/* "$d"/amd-iommu/*; do
		[ -f "$a" ] || continue
		expect_grep $b "\"${a##*/}\": \"$(cat "$a")\"" "bundle: $name's ${a##*/} as sysfs says"
	done
	if [ -f "$d/intel-iommu/ecap" ]; then
		w=$(vtd_width "$(cat "$d/intel-iommu/ecap")")
		echo "E2E: # $name: ecap $(cat "$d/intel-iommu/ecap"): PASID width $w"
		# Sorted keys: an IOMMU's "name" comes before its "pasid".
		sed -n "/\"name\": \"$name\"/,/\"type\"/p" $b >/tmp/iommu.txt
		grep -q "\"max_width\": $w," /tmp/iommu.txt && ok "bundle: $name's PASID width $w, from its ecap" ||
			not_ok "bundle: $name's PASID width $w, from its ecap"
	fi
done
[ $niommu -gt 0 ] && ok "bundle: $niommu IOMMU(s) in sysfs" || not_ok "bundle: an IOMMU in sysfs"

# Every function: its config space, group, IOMMU and driver.
nf=0
for d in "$sys"/*; do
	slot=${d##*/}
	nf=$((nf + 1))
	grep -qF "\"config\": \"$(hexof "$d/config")\"" $b || { not_ok "bundle: $slot's config space"; continue; }
	pcilayout collect -s "$slot" >/tmp/one.json 2>/dev/null
	g=$(basename "$(readlink "$d/iommu_group")")
	i=$(basename "$(readlink "$d/iommu")")
	grep -q "\"iommu_group\": $g," /tmp/one.json && grep -q "\"iommu\": \"$i\"" /tmp/one.json ||
		{ not_ok "bundle: $slot's IOMMU $i and group $g"; continue; }
	if [ -e "$d/driver" ]; then
		grep -q "\"driver\": \"$(basename "$(readlink "$d/driver")")\"" /tmp/one.json ||
			{ not_ok "bundle: $slot's driver"; continue; }
	fi
done
[ $nf -gt 0 ] && ok "bundle: each of the $nf functions with its config space, IOMMU, group and driver" ||
	not_ok "bundle: functions in sysfs"

# A VF: its PF comes along, and the VF has the kernel's identity.
vf=$(for d in "$sys"/*; do [ -e "$d/physfn" ] && echo "${d##*/}"; done | head -n 1)
if [ -n "$vf" ]; then
	pf=$(basename "$(readlink "$sys/$vf/physfn")")
	expect_exit 0 "bundle: collect -s $vf" pcilayout collect -s "$vf"
	cp /tmp/out /tmp/vf.json
	expect_grep /tmp/vf.json "\"pf\": \"$pf\"" "bundle: the VF names its PF $pf"
	expect_grep /tmp/vf.json '"selected": false' "bundle: the PF comes along, unselected"
	expect_exit 0 "bundle: show -j of the VF from the bundle" env PCILAYOUT_SYSFS=/nonexistent pcilayout show -j /tmp/vf.json
	expect_grep /tmp/out "\"device\": \"$(cat "$sys/$vf/device")\"" "bundle: the VF's device ID is the kernel's"
	expect_grep /tmp/out '"ids_from_pf": true' "bundle: taken from its PF in the bundle"
fi

# check reads the IOMMU's PASID width: the answer is the one the width
# in sysfs calls for (a layout asking width 20).
dev=$(for d in "$sys"/*; do [ "$(cat "$d/class")" = 0x020000 ] && [ -e "$d/iommu" ] && echo "${d##*/}"; done | head -n 1)
ecap=/sys/class/iommu/$(basename "$(readlink "$sys/$dev/iommu")")/intel-iommu/ecap
w=0
[ -f "$ecap" ] && w=$(vtd_width "$(cat "$ecap")")
# (Not "want": lib.sh's expect_exit uses that name.)
answer=1
[ "$w" -ge 20 ] && answer=0
expect_exit 0 "check: plan $dev with a virtual PASID of width 20" pcilayout plan --add pasid --pasid-width 20 -o /tmp/l20.json "$dev"
expect_exit $answer "check: on the live host, the IOMMU's width $w decides" pcilayout check /tmp/l20.json "$dev"
expect_grep /tmp/out "IOMMU (sysfs):" "check: the width is from sysfs"
if [ "$w" -eq 0 ]; then
	expect_grep /tmp/out "the IOMMU reports no PASID support" "check: no PASID, as the ecap says"
fi
expect_exit $answer "check: from the bundle, without sysfs, the same answer" \
	env PCILAYOUT_SYSFS=/nonexistent pcilayout check /tmp/l20.json $b -s "$dev"
expect_grep /tmp/out "IOMMU (bundle):" "check: the width is from the bundle"
expect_exit 0 "check: --pasid-width 20 overrides" pcilayout check --pasid-width 20 /tmp/l20.json "$dev"
