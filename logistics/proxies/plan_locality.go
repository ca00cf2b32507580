package proxies

import (
	"math"
	"slices"

	"scrutin/logistics/places"
)

// Locality: the solver's arrays (potentials, distances, mates) are indexed
// by node; demands are numbered by age and slots by input order, so the
// arcs of one node land all over them. The solvers number their nodes in a
// spatial order instead (bands of latitude about GlobalMaxKm high, then
// longitude): a node's neighbours, all within GlobalMaxKm, then sit in a
// few short runs of those arrays. The numbering is internal: decisions
// (processing order, ranks, arc order) are unchanged.

// spatialBandDeg is the height of a band of the spatial order.
func (rg *roundGraph) spatialBandDeg() float64 {
	return math.Max(rg.p.opt.GlobalMaxKm/kmPerDegree, 1e-6)
}

func spatialOrder(n int, at func(i int) places.Point, bandDeg float64) (ord, pos []int32) {
	type key struct {
		band int64
		lon  float64
		i    int32
	}
	keys := make([]key, n)
	for i := range keys {
		p := at(i)
		keys[i] = key{int64(math.Floor(p.Lat / bandDeg)), p.Lon, int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.band != b.band:
			if a.band < b.band {
				return -1
			}
			return 1
		case a.lon < b.lon:
			return -1
		case a.lon > b.lon:
			return 1
		}
		return int(a.i - b.i)
	})
	ord, pos = make([]int32, n), make([]int32, n)
	for k, x := range keys {
		ord[k] = x.i
		pos[x.i] = int32(k)
	}
	return ord, pos
}

// demandOrder returns the demands in spatial order and each demand's rank in it.
func (rg *roundGraph) demandOrder() (ord, pos []int32) {
	if rg.dOrd == nil {
		p := rg.p
		rg.dOrd, rg.dPos = spatialOrder(len(rg.ds), func(i int) places.Point { return p.demands[rg.ds[i]].At }, rg.spatialBandDeg())
	}
	return rg.dOrd, rg.dPos
}

// slotOrder returns the slots in spatial order and each slot's rank in it.
func (rg *roundGraph) slotOrder() (ord, pos []int32) {
	if rg.sOrd == nil {
		p := rg.p
		rg.sOrd, rg.sPos = spatialOrder(len(rg.slotSupply), func(x int) places.Point { return p.supplies[rg.ss[rg.slotSupply[x]]].At }, rg.spatialBandDeg())
	}
	return rg.sOrd, rg.sPos
}
