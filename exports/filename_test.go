package exports

import (
	"slices"
	"strings"
	"testing"
)

// Every export's file name reads kind-source-place[-filters].ext: the
// place at one position in all of them, the scope of a reader who asked
// for no place when it is limited, none when national.
func TestFilenames(t *testing.T) {
	org04 := []string{"04"}
	for _, tc := range []struct {
		export string
		p      Params
		scope  []string
		want   string
	}{
		// Delegates workbook: the place asked, else the reader's scope,
		// else none; the round after the place.
		{"delegates", Params{"election": "demo-2027"}, org04, "assesseurs-delegues-demo-2027-04.xlsx"},
		{"delegates", Params{"election": "demo-2027"}, nil, "assesseurs-delegues-demo-2027.xlsx"},
		{"delegates", Params{"election": "demo-2027", "round": "1"}, []string{"04", "75056"}, "assesseurs-delegues-demo-2027-04-75056-tour1.xlsx"},
		{"delegates", Params{"election": "demo-2027", "departement": "04", "round": "1"}, nil, "assesseurs-delegues-demo-2027-04-tour1.xlsx"},
		{"delegates", Params{"election": "demo-2027", "commune": "04070"}, org04, "assesseurs-delegues-demo-2027-04070.xlsx"},
		{"delegates", Params{}, nil, "assesseurs-delegues.xlsx"},
		// Delegate documents of one place: that place, whatever the scope.
		{"designations", Params{"commune": "04070", "election": "demo-2027"}, org04, "designation-demo-2027-04070.pdf"},
		{"designations", Params{"commune": "04070", "election": "demo-2027", "round": "2"}, nil, "designation-demo-2027-04070-tour2.pdf"},
		{"credentials", Params{"commune": "04070", "election": "demo-2027"}, org04, "accreditations-demo-2027-04070.pdf"},
		{"credentials", Params{"departement": "04", "election": "demo-2027", "round": "1"}, nil, "accreditations-demo-2027-04-tour1.pdf"},
		{"prefecture", Params{"departement": "04", "election": "demo-2027"}, []string{"04209"}, "prefecture-demo-2027-04.pdf"},
		{"prefecture", Params{"departement": "../04", "election": "demo 2027"}, nil, "prefecture-demo2027-04.pdf"},
		// Proxies: the commune (in its département) names the place.
		{"proxies", Params{"election": "demo-2027"}, org04, "procurations-demo-2027-04.xlsx"},
		{"proxies", Params{"election": "demo-2027"}, nil, "procurations-demo-2027.xlsx"},
		{"proxies", Params{"election": "demo-2027", "departement": "04"}, nil, "procurations-demo-2027-04.xlsx"},
		{"proxies", Params{"election": "demo-2027", "departement": "04", "commune": "04112"}, org04, "procurations-demo-2027-04112.xlsx"},
		// Materials: a batch in the election's stead; the other filters
		// after the place.
		{"material-printer", Params{"election": "demo-2027"}, nil, "materiel-imprimeur-demo-2027.xlsx"},
		{"material-shipper", Params{"election": "demo-2027"}, org04, "materiel-transporteur-demo-2027-04.xlsx"},
		{"material-slips", Params{"batch": "3"}, org04, "materiel-bordereaux-lot-3-04.pdf"},
		// A status reads as the material pages name it (materials.Status.Label).
		{"material-labels", Params{"election": "demo-2027", "departement": "04", "sku": "AFF-A3", "status": "pending", "from": "2027-03-01", "to": "2027-03-31"},
			nil, "materiel-etiquettes-demo-2027-04-AFF-A3-enregistree-2027-03-01-2027-03-31.pdf"},
		{"material-labels", Params{"election": "demo-2027", "status": "cancelled"}, []string{"2A", "2B"}, "materiel-etiquettes-demo-2027-2A-2B-annulee.pdf"},
		{"material-printer", Params{"election": "demo-2027", "status": "batched"}, nil, "materiel-imprimeur-demo-2027-en-preparation.xlsx"},
		{"material-shipper", Params{"batch": "3", "status": "shipped"}, nil, "materiel-transporteur-lot-3-expediee.xlsx"},
		{"material-slips", Params{"election": "demo-2027", "status": "delivered"}, nil, "materiel-bordereaux-demo-2027-livree.pdf"},
		// A scope too long for a name: its first codes, then "etc".
		{"proxies", Params{"election": "e"}, []string{"04001", "04002", "04003", "04004", "04005", "04006", "04007", "04008"},
			"procurations-e-04001-04002-04003-04004-04005-04006-etc.xlsx"},
	} {
		x, ok := Lookup(tc.export)
		if !ok {
			t.Fatalf("%s: not registered", tc.export)
		}
		if got := x.Filename(tc.p, tc.scope...); got != tc.want {
			t.Errorf("%s %v scope %v: %q, want %q", tc.export, tc.p, tc.scope, got, tc.want)
		}
	}
}

// Whatever the export, the place sits right after the election: each
// registered export, given every place parameter it reads, or none (a
// reader of 04, then a national one).
func TestFilenamesPlaceAfterTheElection(t *testing.T) {
	for _, x := range All() {
		if x.Title == "" {
			t.Errorf("%s: no French title", x.Name)
		}
		var place string
		p := Params{"election": "demo-2027"}
		for _, k := range []string{"departement", "commune"} {
			if slices.Contains(x.Params, k) {
				p[k] = map[string]string{"departement": "04", "commune": "04070"}[k]
				place = p[k]
			}
		}
		if want := x.File.Kind + "-demo-2027-" + place + "."; !strings.HasPrefix(x.Filename(p, "75"), want) {
			t.Errorf("%s %v: %q, want %s…", x.Name, p, x.Filename(p, "75"), want)
		}
		for scope, want := range map[string]string{"04": "-demo-2027-04.", "": "-demo-2027."} {
			var s []string
			if scope != "" {
				s = []string{scope}
			}
			if got := x.Filename(Params{"election": "demo-2027"}, s...); got != x.File.Kind+want+x.File.Ext {
				t.Errorf("%s, no place, scope %v: %q, want %s%s%s", x.Name, s, got, x.File.Kind, want, x.File.Ext)
			}
		}
	}
}
