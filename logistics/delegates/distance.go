package delegates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// A volunteer's travel limit is a number of kilometres to a tenth ("7,5
// km"), stored as numeric(4,1) (migration 019). People write it the French
// way or the English way, "7,5" or "7.5": the form sends it as typed, the
// API as a JSON number or string, and ParseDistance reads both.

// Distance is a travel limit as it was written: the form's text, or the
// API's JSON number or string. SignupInput.validate reads it
// (ParseDistance).
type Distance string

// UnmarshalJSON takes a JSON number (7.5) or string ("7,5", as a person
// wrote it). A JSON true, object or array is a type error, which the API
// answers 422 for the field like any other (web.DecodeJSON).
func (d *Distance) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil // a *Distance field is left nil by encoding/json itself
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Distance(s)
		return nil
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		// A JSON number as its shortest decimal writing: 1e2 is 100, 7.50
		// is 7.5 (a program wrote it, not a person).
		*d = Distance(b)
		if f, err := strconv.ParseFloat(string(b), 64); err == nil && !math.IsInf(f, 0) {
			*d = Distance(strconv.FormatFloat(f, 'f', -1, 64))
		}
		return nil
	}
	kind := "value"
	if len(b) > 0 {
		switch b[0] {
		case 't', 'f':
			kind = "bool"
		case '{':
			kind = "object"
		case '[':
			kind = "array"
		}
	}
	return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[Distance]()}
}

var (
	// distanceMessage is the message for a distance outside what one may
	// choose (or none typed), on the form and in the API.
	distanceMessage = fmt.Sprintf("Indiquez une distance entre 1 et %d km.", MaxDistanceKm)
	// distanceFormatMessage is the message for what is not a number.
	distanceFormatMessage = "Écrivez la distance en kilomètres, avec des chiffres : par exemple 12 ou 7,5."
	// distanceTenthsMessage is the message for a distance finer than a
	// tenth of a kilometre.
	distanceTenthsMessage = "Indiquez la distance avec une décimale au plus : par exemple 7,5."

	distanceRe = regexp.MustCompile(`^(-?)([0-9]+)(?:[.,]([0-9]*))?$`)
)

// ParseDistance reads a travel limit written the French or the English
// way ("7,5", "7.5", "12", "12 km"): km is 0 (own bureau only) or 1 to
// MaxDistanceKm, to a tenth. Anything else gives the French message to
// show next to the field, and km 0.
func ParseDistance(s string) (km float64, problem string) {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\u00a0' || r == '\u202f' {
			return ' '
		}
		return r
	}, s))
	if t := strings.ToLower(s); strings.HasSuffix(t, "km") {
		s = strings.TrimSpace(s[:len(s)-2])
	}
	if s == "" {
		return 0, distanceMessage
	}
	m := distanceRe.FindStringSubmatch(s)
	if m == nil {
		return 0, distanceFormatMessage
	}
	whole, decimals := strings.TrimLeft(m[2], "0"), strings.TrimRight(m[3], "0")
	if len(decimals) > 1 {
		return 0, distanceTenthsMessage
	}
	if m[1] == "-" || len(whole) > 4 {
		return 0, distanceMessage
	}
	tenths := 0
	if whole != "" {
		tenths, _ = strconv.Atoi(whole) // at most 4 digits
		tenths *= 10
	}
	if decimals != "" {
		tenths += int(decimals[0] - '0')
	}
	if tenths != 0 && (tenths < 10 || tenths > 10*MaxDistanceKm) {
		return 0, distanceMessage
	}
	return float64(tenths) / 10, ""
}

// KmText writes a distance in kilometres the French way, to a tenth:
// "12 km", "7,5 km".
func KmText(km float64) string {
	s := strconv.FormatFloat(math.Round(km*10)/10, 'f', -1, 64)
	return strings.Replace(s, ".", ",", 1) + " km"
}
