package fr

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Phone shows a stored E.164 number the way people read and dial it from
// France: "06 12 34 56 78", overseas départements alike ("0692 12 34 56");
// a foreign number keeps its international form, "+44 20 7946 0958".
// What does not parse is shown as stored.
func Phone(e164 string) string {
	// Metropolitan numbers, nearly all of them, without the cost of a full
	// parse (it shows in a workbook of 150,000 rows).
	if len(e164) == 12 && strings.HasPrefix(e164, "+33") && digits(e164[3:]) {
		d := "0" + e164[3:]
		return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
	}
	if e164 == "" {
		return ""
	}
	n, err := phonenumbers.Parse(e164, "FR")
	if err != nil {
		return e164
	}
	switch phonenumbers.GetRegionCodeForNumber(n) {
	case "FR", "RE", "GP", "MQ", "GF", "YT", "PM":
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
