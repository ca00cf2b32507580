package exports

import (
	"strings"

	"scrutin/logistics/fr"
)

// phoneText is fr.Phone ("06 12 34 56 78", overseas départements alike)
// with a foreign number dialled from France, "00 44 20 7946 0958": a
// leading "+" would make a spreadsheet cell look like a formula, and show
// the quote that keeps it text.
func phoneText(e164 string) string {
	s := fr.Phone(e164)
	if strings.HasPrefix(s, "+") {
		return "00 " + s[1:]
	}
	return s
}
