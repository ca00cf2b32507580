package web

import (
	"time"
	_ "time/tzdata" // pages show Paris time whatever the host has
)

// paris is the time zone every French page shows times in.
var paris = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}()
