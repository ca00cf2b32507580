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
