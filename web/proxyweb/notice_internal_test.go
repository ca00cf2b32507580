package proxyweb

import "testing"

// The batch's result, read back from the address the queue is sent to,
// agrees in number with its figures.
func TestMatchNotice(t *testing.T) {
	for _, tc := range []struct{ done, figures, want string }{
		{"appariement", "1-0-2", "Appariement terminé : 1 nouvelle proposition, 0 déplacée, 2 tours de demande sans volontaire possible."},
		{"appariement", "1200-3-1", "Appariement terminé : 1\u202f200 nouvelles propositions, 3 déplacées, 1 tour de demande sans volontaire possible."},
		{"appariement", "1-2", ""},
		{"appariement", "1-x-2", ""},
		{"autre", "1-0-2", ""},
	} {
		if got := matchNotice(tc.done, tc.figures); got != tc.want {
			t.Errorf("matchNotice(%q, %q) = %q, want %q", tc.done, tc.figures, got, tc.want)
		}
	}
}
