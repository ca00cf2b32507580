package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSMSSegments(t *testing.T) {
	gsm := func(n int) string { return strings.Repeat("a", n) }
	ucs := func(n int) string { return "ç" + strings.Repeat("a", n-1) }
	pad := func(s string, n int) string { return s + gsm(n-utf8.RuneCountInString(s)) }
	const basicLetters = "Élodie, à Saint-Étienne, où l'été dure. ÇA Øystein Åsa Ñuñez Müller Straße Ægir æ ø å ì ò ù è £ ¥ § ¿ ¡ ¤ Δ @ $ _"
	for _, tc := range []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 1},
		{"160 GSM characters", gsm(160), 1},
		{"161 GSM characters", gsm(161), 2},
		{"306 GSM characters: two parts of 153", gsm(306), 2},
		{"307 GSM characters", gsm(307), 3},
		{"letters of the basic set take one septet", pad(basicLetters, 160), 1},
		{"and one more makes two parts", pad(basicLetters, 161), 2},
		{"newlines are GSM", "Procuration à porter.\n" + gsm(138), 1},
		{"an extension character takes two septets", "€" + gsm(158), 1},
		{"and may push the text into two parts", "€" + gsm(159), 2},
		{"every extension character", "€[]{}~^\\|\f" + gsm(140), 1},
		{"extension characters past 160", "[]{}~^\\|€" + gsm(143), 2},
		{"an escape pair never straddles two parts", gsm(152) + "€" + gsm(152), 3},
		{"the same length, the pair one septet earlier", gsm(151) + "€" + gsm(153), 2},
		{"lowercase ç: UCS-2", ucs(70), 1},
		{"71 UCS-2 characters", ucs(71), 2},
		{"134 UCS-2 characters: two parts of 67", ucs(134), 2},
		{"135 UCS-2 characters", ucs(135), 3},
		{"ê", "ê" + gsm(69), 1},
		{"ê and 70 more", "ê" + gsm(70), 2},
		{"middle dot of inclusive writing", "inscrit·e" + gsm(100), 2},
		{"curly apostrophe", "l’équipe" + gsm(100), 2},
		{"guillemets", "« oui »" + gsm(100), 2},
		{"non-breaking space", "Bonjour\u00a0!" + gsm(100), 2},
		{"ellipsis", "…" + gsm(100), 2},
		{"œ, ô, î, â", "cœur, hôtel, île, âge", 1},
		{"an emoji takes two UTF-16 units", "🗳" + gsm(68), 1},
		{"and two more make 71", "🗳" + gsm(69), 2},
		{"a surrogate pair never straddles two parts", gsm(66) + "🗳" + gsm(65) + "ç", 3},
		{"the same length, the pair one unit earlier", gsm(65) + "🗳" + gsm(66) + "ç", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SMSSegments(tc.text); got != tc.want {
				t.Errorf("SMSSegments(%q) = %d, want %d", tc.text, got, tc.want)
			}
		})
	}
}

func TestGSMText(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"GSM already: unchanged", "Élodie à Saint-Étienne, 10 €", "Élodie à Saint-Étienne, 10 €"},
		{"curly apostrophes", "l’équipe d‘ici", "l'équipe d'ici"},
		{"guillemets and curly quotes", "«\u00a0oui\u00a0» “non”", `" oui " "non"`},
		{"non-breaking and narrow spaces", "Rappel\u202f: 10\u00a0km", "Rappel : 10 km"},
		{"ellipsis and dashes", "Attendez… 9–12 — fin", "Attendez... 9-12 - fin"},
		{"middle dot", "inscrit·e", "inscrit.e"},
		{"ligature", "Lœuilly, Œuf", "Loeuilly, OEuf"},
		{"accented letters outside the alphabet", "François Jérôme Anaïs Noël Benoît Gaëlle Château", "Francois Jérome Anais Noel Benoit Gaelle Chateau"},
		{"capitals outside the alphabet", "À ÉCOLE, ÎLE, ÊTRE", "A ÉCOLE, ILE, ETRE"},
		{"a combining accent is composed first", "Ze\u0301lie, Ge\u0302ne", "Zélie, Gene"},
		{"invisible characters", "pro\u00adcuration\u200b", "procuration"},
		{"another script: unchanged, UCS-2 anyway", "Françoise et 王芳", "Françoise et 王芳"},
		{"an emoji: unchanged", "Merci ! 🗳", "Merci ! 🗳"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := GSMText(tc.text)
			if got != tc.want {
				t.Errorf("GSMText(%q) = %q, want %q", tc.text, got, tc.want)
			}
			if tc.want != tc.text && !IsGSM(got) {
				t.Errorf("GSMText(%q) = %q, still outside the GSM alphabet", tc.text, got)
			}
		})
	}
}

// TestSMSGatewayGetsTheGSMText: what a name brings outside the GSM
// alphabet is made plain when the SMS goes, not where it is written: the
// outbox keeps the text as composed.
func TestSMSGatewayGetsTheGSMText(t *testing.T) {
	var posted map[string]string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &posted)
	}))
	defer gw.Close()
	snd, err := ParseSMSURL(gw.URL + "/send")
	if err != nil {
		t.Fatal(err)
	}
	body := "Françoise D’Arcy a accepté\u00a0: « merci »… https://s.example.org/procuration/t/x"
	var sendErr error
	snd.Send(context.Background(), []Outgoing{{ID: 1, Channel: SMS, Recipient: "+33612345678", Body: body}},
		func(_ Outgoing, err error) bool { sendErr = err; return true })
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	want := `Francoise D'Arcy a accepté : " merci "... https://s.example.org/procuration/t/x`
	if posted["text"] != want || SMSSegments(posted["text"]) != 1 {
		t.Errorf("posted %q, want %q", posted["text"], want)
	}
}
