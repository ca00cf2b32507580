package proxyweb

import (
	"testing"

	"scrutin/logistics/proxies"
)

// The sentence above the volunteers list counts what the current tab
// counts, and says what that is.
func TestMatchingText(t *testing.T) {
	c := proxies.VolunteerCounts{Available: 1, Offered: 3, Carrying: 0, Withdrawn: 1}
	for _, tc := range []struct {
		f    proxies.Filter
		c    proxies.VolunteerCounts
		want string
	}{
		// Without a round too, the withdrawn are counted apart, as their
		// tab counts them: the "Tous" figure is 4 active and 1 withdrawn.
		{proxies.Filter{}, c, "5 volontaires : 4 actif·ves, dont 1 disponible, et 1 retiré·e."},
		{proxies.Filter{}, proxies.VolunteerCounts{Offered: 3, Carrying: 1, Withdrawn: 1}, "5 volontaires : 4 actif·ves, aucun·e disponible, et 1 retiré·e."},
		{proxies.Filter{}, proxies.VolunteerCounts{Withdrawn: 2}, "2 volontaires retiré·es."},
		{proxies.Filter{}, proxies.VolunteerCounts{Offered: 2}, "2 volontaires, aucun·e disponible."},
		// With a round, the withdrawn are not counted as registered for
		// it: the "Tous" figure (5) is the 4 registered and the 1 withdrawn.
		{proxies.Filter{Round: 2}, c, "5 volontaires : 4 inscrit·es pour le 2d tour, dont 1 disponible à ce tour, et 1 retiré·e."},
		{proxies.Filter{Round: 1}, proxies.VolunteerCounts{Offered: 1, Withdrawn: 2}, "3 volontaires : 1 inscrit·e pour le 1er tour, aucun·e disponible à ce tour, et 2 retiré·es."},
		{proxies.Filter{Round: 1}, proxies.VolunteerCounts{Withdrawn: 2}, "2 volontaires retiré·es (inscrit·es pour le 1er tour)."},
		{proxies.Filter{Round: 1}, proxies.VolunteerCounts{Available: 3}, "3 volontaires disponibles au 1er tour."},
		{proxies.Filter{Round: 2, Status: proxies.VolunteerActive}, c, "4 volontaires actif·ves inscrit·es pour le 2d tour, dont 1 disponible à ce tour."},
		{proxies.Filter{Round: 2, Status: proxies.VolunteerAvailable}, c, "1 volontaire disponible au 2d tour."},
		{proxies.Filter{Round: 1, Status: proxies.VolunteerOffered}, c, "3 volontaires avec une proposition en attente au 1er tour."},
		{proxies.Filter{Round: 1, Status: proxies.VolunteerCarrying}, c, ""},
		{proxies.Filter{Status: proxies.VolunteerActive}, c, "4 volontaires actif·ves, dont 1 disponible."},
		{proxies.Filter{Round: 2, Status: proxies.VolunteerWithdrawn}, c, "1 volontaire retiré·e (inscrit·e pour le 2d tour)."},
		{proxies.Filter{Round: 1}, proxies.VolunteerCounts{Offered: 2}, "2 volontaires inscrit·es pour le 1er tour, aucun·e disponible à ce tour."},
		{proxies.Filter{}, proxies.VolunteerCounts{Available: 1}, "1 volontaire disponible."},
		{proxies.Filter{Round: 1, Status: proxies.VolunteerActive}, proxies.VolunteerCounts{Available: 2}, "2 volontaires disponibles au 1er tour."},
		{proxies.Filter{After: 50}, proxies.VolunteerCounts{Available: 53}, "53 volontaires disponibles (suite de la liste)."},
		{proxies.Filter{}, proxies.VolunteerCounts{}, ""},
	} {
		if got := matchingText(tc.f, tc.c); got != tc.want {
			t.Errorf("%+v %+v: %q, want %q", tc.f, tc.c, got, tc.want)
		}
	}
}
