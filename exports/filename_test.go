package exports

import "testing"

func TestDelegateFilenames(t *testing.T) {
	for _, tc := range []struct {
		export string
		p      Params
		want   string
	}{
		{"delegates", Params{}, "assesseurs-delegues-tout.xlsx"},
		{"delegates", Params{"election": "demo-2027", "departement": "04", "round": "1"}, "assesseurs-delegues-04-demo-2027-tour1.xlsx"},
		{"designations", Params{"commune": "04070", "election": "demo-2027"}, "designation-04070-demo-2027.pdf"},
		{"credentials", Params{"commune": "04070"}, "accreditations-04070.pdf"},
		{"prefecture", Params{"departement": "../04", "election": "demo 2027"}, "prefecture-04-demo2027.pdf"},
	} {
		x, _ := Lookup(tc.export)
		if got := x.Filename(tc.p); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.export, tc.p, got, tc.want)
		}
	}
}
