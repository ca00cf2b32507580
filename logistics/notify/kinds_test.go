package notify

import (
	"strings"
	"testing"
)

// TestKindLabel: every kind the code writes (Kind of a Message in
// logistics/proxies, materials and delegates, and the literal kinds of the
// outbox inserts in logistics/proxies/submit.go) has a French label; an
// unknown kind is shown as is. Add a line here and in kindLabels with each
// new kind.
func TestKindLabel(t *testing.T) {
	written := []string{
		"proxy.request", "proxy.volunteer", "proxy.change", "proxy.offer", "proxy.accepted", "proxy.established",
		"proxy.expired", "proxy.reminder", "proxy.withdrawn", "proxy.cancelled", "proxy.volunteer_withdrawn",
		"proxy.voter_number",
		"material.order", "material.cancel", "material.batched", "material.shipped", "material.tracking", "material.delivered",
		"delegate.signup", "delegate.change", "delegate.assignment", "delegate.withdrawn", "delegate.voter_number",
		"staff.invitation",
	}
	seen := map[string]string{}
	for _, k := range written {
		l := KindLabel(k)
		if l == k || strings.TrimSpace(l) == "" {
			t.Errorf("kind %q has no label", k)
		}
		if other, dup := seen[l]; dup {
			t.Errorf("kinds %q and %q share the label %q", other, k, l)
		}
		seen[l] = k
	}
	if len(kindLabels) != len(written) {
		t.Errorf("%d labels for %d known kinds: update the list above", len(kindLabels), len(written))
	}
	if got := KindLabel("other.kind"); got != "other.kind" {
		t.Errorf("unknown kind: %q, want the code itself", got)
	}
	if got := KindLabel(""); got != "" {
		t.Errorf("empty kind: %q", got)
	}
}
