package token

import (
	"strings"
	"testing"
)

func TestMaskLinks(t *testing.T) {
	a, _ := New()
	b, _ := New()
	text := "Votre page : https://scrutin.example/p/t/" + a + "\nConfirmer : https://scrutin.example/c/" + b + ".\nRéférence 123456789012345678901234567890123456789012345678 et /courte"
	got := MaskLinks(text)
	for _, tok := range []string{a, b} {
		if strings.Contains(got, tok) {
			t.Fatalf("token left in %q", got)
		}
	}
	want := "Votre page : https://scrutin.example/p/t/…\nConfirmer : https://scrutin.example/c/….\nRéférence 123456789012345678901234567890123456789012345678 et /courte"
	if got != want {
		t.Fatalf("MaskLinks:\n%q\nwant\n%q", got, want)
	}
}
