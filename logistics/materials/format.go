package materials

import (
	"fmt"
	"strconv"
	"strings"

	"scrutin/logistics/fr"
)

// Status is where an order stands.
type Status string

const (
	Pending   Status = "pending"   // placed, waiting for a batch
	Batched   Status = "batched"   // in a batch: being printed and packed
	Shipped   Status = "shipped"   // handed to the shipper
	Delivered Status = "delivered" // arrived
	Cancelled Status = "cancelled" // by the person or staff; stock came back
)

// Statuses in the order an order goes through them.
var Statuses = []Status{Pending, Batched, Shipped, Delivered, Cancelled}

// Label is the French name of a status, as people read it.
func (s Status) Label() string {
	switch s {
	case Pending:
		return "Enregistrée"
	case Batched:
		return "En préparation"
	case Shipped:
		return "Expédiée"
	case Delivered:
		return "Livrée"
	case Cancelled:
		return "Annulée"
	}
	return string(s)
}

// Cancellable reports whether the person (or staff) may still cancel: not
// once the parcel has left.
func (s Status) Cancellable() bool { return s == Pending || s == Batched }

// ParseStatus accepts a status name ("" for none).
func ParseStatus(s string) (Status, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	for _, st := range Statuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Price writes cents as euros the French way ("gratuit" for 0).
func Price(cents int) string {
	if cents == 0 {
		return "gratuit"
	}
	return fmt.Sprintf("%s,%02d €", fr.Number(cents/100), cents%100)
}

// Kilograms writes a weight in grams as kilograms with two decimals.
func Kilograms(g float64) string {
	return strings.Replace(strconv.FormatFloat(g/1000, 'f', 2, 64), ".", ",", 1) + " kg"
}
