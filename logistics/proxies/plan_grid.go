package proxies

import (
	"math"
	"sort"

	"scrutin/logistics/places"
)

// kmPerDegree is the length of one degree of latitude (mean Earth radius,
// as places.DistanceKm). The grid only prunes: every kept pair is measured
// by places.DistanceKm.
const kmPerDegree = 6371.0088 * math.Pi / 180

// grid buckets points in cells of about cellKm: bands of latitude, and in
// each band cells of longitude as wide as cellKm at the band's poleward
// edge, so that every point within cellKm of a query lies in the query's
// band ±1 and a range of cells computed per band.
type grid struct {
	cellKm  float64
	bandDeg float64
	keys    []int64 // sorted cell keys, one per non-empty cell
	starts  []int32 // items of cell i: items[starts[i]:starts[i+1]]
	items   []int32 // point indices grouped by cell
}

func (g *grid) band(lat float64) int64 { return int64(math.Floor(lat / g.bandDeg)) }

// lonDeg is the cell width in degrees of longitude in band b.
func (g *grid) lonDeg(b int64) float64 {
	lo, hi := float64(b)*g.bandDeg, float64(b+1)*g.bandDeg
	m := math.Min(89, math.Max(math.Abs(lo), math.Abs(hi)))
	return g.cellKm / (kmPerDegree * math.Cos(m*math.Pi/180))
}

func cellKey(b, x int64) int64 { return b<<32 | (x + 1<<31) }

func (g *grid) key(p places.Point) int64 {
	b := g.band(p.Lat)
	return cellKey(b, int64(math.Floor(p.Lon/g.lonDeg(b))))
}

func newGrid(pts []places.Point, cellKm float64) *grid {
	g := &grid{cellKm: cellKm, bandDeg: cellKm / kmPerDegree}
	type kv struct {
		k int64
		i int32
	}
	all := make([]kv, len(pts))
	for i, p := range pts {
		all[i] = kv{g.key(p), int32(i)}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].k != all[j].k {
			return all[i].k < all[j].k
		}
		return all[i].i < all[j].i
	})
	g.items = make([]int32, len(all))
	for i, x := range all {
		g.items[i] = x.i
		if i == 0 || x.k != all[i-1].k {
			g.keys = append(g.keys, x.k)
			g.starts = append(g.starts, int32(i))
		}
	}
	g.starts = append(g.starts, int32(len(all)))
	return g
}

// near calls fn for the index of every point that may lie within r km of p
// (r <= cellKm), and some farther ones.
func (g *grid) near(p places.Point, r float64, fn func(i int32)) {
	dLat := r/kmPerDegree*1.01 + 1e-9
	maxLat := math.Min(89, math.Max(math.Abs(p.Lat-dLat), math.Abs(p.Lat+dLat)))
	dLon := r/(kmPerDegree*math.Cos(maxLat*math.Pi/180))*1.01 + 1e-9
	for b := g.band(p.Lat - dLat); b <= g.band(p.Lat+dLat); b++ {
		w := g.lonDeg(b)
		lo := cellKey(b, int64(math.Floor((p.Lon-dLon)/w)))
		hi := cellKey(b, int64(math.Floor((p.Lon+dLon)/w)))
		c := sort.Search(len(g.keys), func(i int) bool { return g.keys[i] >= lo })
		for ; c < len(g.keys) && g.keys[c] <= hi; c++ {
			for _, i := range g.items[g.starts[c]:g.starts[c+1]] {
				fn(i)
			}
		}
	}
}
