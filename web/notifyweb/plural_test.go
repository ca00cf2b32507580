package notifyweb

import "testing"

// TestCountsInFrench: the Messages page counts in French, singular below
// 2, never "message(s)".
func TestCountsInFrench(t *testing.T) {
	for _, tc := range []struct {
		n            int
		label, notes string
	}{
		{0, "Renvoyer le message en échec", "Aucun message en échec : rien n'a été remis dans la file d'envoi."},
		{1, "Renvoyer le message en échec", "1 message en échec remis dans la file d'envoi."},
		{3, "Renvoyer les 3 messages en échec", "3 messages en échec remis dans la file d'envoi."},
		{1200, "Renvoyer les 1\u202f200 messages en échec", "1\u202f200 messages en échec remis dans la file d'envoi."},
	} {
		if got := retryFailedLabel(int64(tc.n)); got != tc.label {
			t.Errorf("%d: button %q, want %q", tc.n, got, tc.label)
		}
		if got := retriedNotice(tc.n); got != tc.notes {
			t.Errorf("%d: notice %q, want %q", tc.n, got, tc.notes)
		}
	}
}
