# SPDX-License-Identifier: BSD-3-Clause
# scenario-pasid.sh - the bundle scenario with an IOMMU that reports PASID.
. ./scenario-bundle.sh
