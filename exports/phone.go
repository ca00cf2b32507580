package exports

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// phoneText shows a stored E.164 number the way people dial it from
// France: "06 12 34 56 78", overseas départements alike, and "00 44 20 7946
// 0958" abroad. A leading "+" would make a spreadsheet cell look like a
// formula, and show the quote that keeps it text.
func phoneText(e164 string) string {
	// Metropolitan numbers, nearly all of them, without the cost of a full
	// parse (it shows in a workbook of 150,000 rows).
	if len(e164) == 12 && strings.HasPrefix(e164, "+33") {
		d := "0" + e164[3:]
		return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
	}
	n, err := phonenumbers.Parse(e164, "FR")
	if err != nil {
		return e164
	}
	switch phonenumbers.GetRegionCodeForNumber(n) {
	case "FR", "RE", "GP", "MQ", "GF", "YT", "PM":
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return "00 " + strings.TrimPrefix(phonenumbers.Format(n, phonenumbers.INTERNATIONAL), "+")
}
