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
			"election : demo-2027 · rounds : [1,2] · rows : 13 · périmètre : tout le territoire"},
		{map[string]any{"name": "<b>Zoé</b>"}, "name : <b>Zoé</b>"}, // escaped by the template, not here
		// A scope in words, as exports and runs record it (read back
		// from JSON: a list is []any), whatever the row's age.
		{map[string]any{"scope": []any{"04", "75056"}, "rows": float64(2)}, "rows : 2 · périmètre : 04, 75056"},
		{map[string]any{"scope": []any{}}, "périmètre : tout le territoire"},
		{map[string]any{"scope": []string{"2A"}}, "périmètre : 2A"},
		{map[string]any{"scope": "04070"}, "périmètre : 04070"},
		{map[string]any{"scope": ""}, "périmètre : tout le territoire"},
		{map[string]any{"scope": []any{float64(4)}}, "scope : [4]"}, // not a scope: as recorded
	} {
		if got := (AuditEntry{Details: tc.details}).DetailsText(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.details, got, tc.want)
		}
	}
}

// The log records "public" for whoever used a link or a form; the journal
// and the histories say who that was as far as the entry tells.
func TestWho(t *testing.T) {
	for _, tc := range []struct {
		actor, action, entity, want string
	}{
		{ActorPublic, "proxy_volunteer.details_view", "proxy_volunteer", ActorMandant},
		{ActorPublic, "proxy_request.cancel", "proxy_request", ActorMandant},
		{ActorPublic, "proxy_offer.accept", "proxy_request", ActorVolunteer},
		{ActorPublic, "proxy_volunteer.create", "proxy_volunteer", ActorVolunteer},
		{ActorPublic, "proxy_request.change_held", "proxy_request", ActorForm},
		{ActorPublic, "proxy_volunteer.link_resent", "proxy_volunteer", ActorForm},
		{ActorPublic, "delegate_volunteer.create", "delegate_volunteer", ActorPublic},
		{"staff:a@example.org", "proxy_volunteer.details_view", "proxy_volunteer", "staff:a@example.org"},
	} {
		if got := (AuditEntry{Actor: tc.actor, Action: tc.action, Entity: tc.entity}).Who(); got != tc.want {
			t.Errorf("%s %s on %s: %q, want %q", tc.actor, tc.action, tc.entity, got, tc.want)
		}
	}
}
