package elections

import (
	"time"
	_ "time/tzdata" // French dates and deadlines whatever the host's zone data
)

// Paris is the time zone of every date and deadline people read: round
// days, the R46 Thursday, order cut-offs, message and page timestamps.
var Paris = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}()

// Today is the Paris calendar date of now, at midnight UTC, comparable
// with the dates read from PostgreSQL (round days, cut-offs).
func Today(now time.Time) time.Time {
	y, m, d := now.In(Paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// weekdays are the French names of the days, Sunday first as time.Weekday.
var weekdays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// Weekday is the French name of t's day of the week ("jeudi"), in t's own
// location: pass a time in Paris (or a date at midnight UTC, as round days
// are) to name the day people read.
func Weekday(t time.Time) string { return weekdays[t.Weekday()] }

// Moment is a time in running French text, in Paris: "06/12/2026 à
// 06h24" (deadlines, expiries, the journal).
func Moment(t time.Time) string { return t.In(Paris).Format("02/01/2006 à 15h04") }
