package staff

import (
	"testing"
	"time"
)

func TestAuditDetailsText(t *testing.T) {
	for _, tc := range []struct {
		details map[string]any
		want    string
	}{
		{nil, ""},
		{map[string]any{"ip": "127.0.0.1"}, "ip : 127.0.0.1"},
		{map[string]any{"scope": nil, "rows": float64(13), "election": "demo-2027", "rounds": []any{float64(1), float64(2)}},
			"élection : demo-2027 · tours : [1,2] · lignes : 13 · périmètre : national"},
		{map[string]any{"name": "<b>Zoé</b>"}, "name : <b>Zoé</b>"}, // escaped by the template, not here
		// A scope in words, as exports and runs record it (read back
		// from JSON: a list is []any), whatever the row's age.
		{map[string]any{"scope": []any{"04", "75056"}, "rows": float64(2)}, "lignes : 2 · périmètre : 04, 75056"},
		{map[string]any{"scope": []any{}}, "périmètre : national"},
		{map[string]any{"scope": []string{"2A"}}, "périmètre : 2A"},
		{map[string]any{"scope": "04070"}, "périmètre : 04070"},
		{map[string]any{"scope": ""}, "périmètre : national"},
		{map[string]any{"scope": []any{float64(4)}}, "périmètre : [4]"}, // not a scope: its value as recorded
	} {
		if got := (AuditEntry{Details: tc.details}).DetailsText(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.details, got, tc.want)
		}
	}
}

// The journal's details in French: the common keys named, scopes as
// scopes whatever their key, roles as the « Comptes » page says them,
// times in Paris time; unknown keys as recorded.
func TestAuditDetailsInFrench(t *testing.T) {
	for _, tc := range []struct {
		details map[string]any
		want    string
	}{
		{map[string]any{"rows": float64(3), "election": "demo-2027", "departement": "04", "commune": "04070", "round": float64(1), "sku": "TRACT-A5", "status": "pending"},
			"commune : 04070 · département : 04 · élection : demo-2027 · tour : 1 · lignes : 3 · article : TRACT-A5 · statut : pending"},
		{map[string]any{"role": "organizer", "scope": []any{"04070", "05"}, "previous_role": "viewer", "previous_scope": []any{"04070"}},
			"rôle précédent : lecture seule · périmètre précédent : 04070 · rôle : organisateur·rice · périmètre : 04070, 05"},
		{map[string]any{"role": "admin", "scope": []any{}, "previous_role": "organizer", "previous_scope": []any{"04"}},
			"rôle précédent : organisateur·rice · périmètre précédent : 04 · rôle : administrateur·rice · périmètre : national"},
		// As JSON gives it back (UTC, nanoseconds), and as Go records it.
		{map[string]any{"invitation_expires_at": "2026-12-07T14:04:05.123456789Z", "role": "viewer", "scope": []any{"987"}},
			"invitation valable jusqu'au 07/12/2026 à 15h04 · rôle : lecture seule · périmètre : 987"},
		{map[string]any{"invitation_expires_at": time.Date(2026, 7, 12, 13, 4, 0, 0, time.UTC)}, "invitation valable jusqu'au 12/07/2026 à 15h04"},
		{map[string]any{"volunteers_scope": nil, "seats": float64(4)}, "seats : 4 · périmètre des volontaires : national"},
		{map[string]any{"updated_at": "hier"}, "updated_at : hier"}, // not a time: as recorded
		{map[string]any{"role": "assesseur_titulaire"}, "rôle : assesseur_titulaire"},
		{map[string]any{"tokens": float64(2), "sessions": float64(1), "invitations": float64(0)}, "invitations en attente : 0 · connexions : 1 · jetons d'API : 2"},
	} {
		if got := (AuditEntry{Details: tc.details}).DetailsText(); got != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.details, got, tc.want)
		}
	}
	for entity, want := range map[string]string{"staff_user": "compte d'équipe", "export": "export", "proxy_request": "demande de procuration",
		"material_order": "commande de matériel", "outbox": "message", "thing": "thing"} {
		if got := (AuditEntry{Entity: entity}).EntityLabel(); got != want {
			t.Errorf("%s: %q, want %q", entity, got, want)
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
