package staff

import "testing"

func TestAuditDetailsText(t *testing.T) {
	for _, tc := range []struct {
		details map[string]any
		want    string
	}{
		{nil, ""},
		{map[string]any{"ip": "127.0.0.1"}, "ip : 127.0.0.1"},
		{map[string]any{"scope": nil, "rows": float64(13), "election": "demo-2027", "rounds": []any{float64(1), float64(2)}},
			"election : demo-2027 · rounds : [1,2] · rows : 13 · scope : null"},
		{map[string]any{"name": "<b>Zoé</b>"}, "name : <b>Zoé</b>"}, // escaped by the template, not here
	} {
		if got := (AuditEntry{Details: tc.details}).DetailsText(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.details, got, tc.want)
		}
	}
}
