package materialweb_test

import (
	"fmt"
	"testing"

	"scrutin/web/webtest"
)

// The staff page of an order shows the phone number as it is read in
// France ("06 11 11 11 11"), as the other pages do, not as it is stored
// (+33611111111).
func TestMaterialStaffOrderShowsPhoneAsRead(t *testing.T) {
	env := start(t)
	body := orderBody(100, "phone-shown@example.org")
	body["phone"] = "0611111111"
	r := env.Do(t, "POST", "/api/v1/material-orders", "", body)
	if r.Status != 201 {
		t.Fatalf("order: %d %s", r.Status, r.Body)
	}
	id := int(r.JSON["id"].(float64))
	page := env.Do(t, "GET", fmt.Sprintf("/staff/materiel/commandes/%d", id), env.AdminToken(t), nil)
	if page.Status != 200 {
		t.Fatalf("order page: %d %s", page.Status, page.Body)
	}
	webtest.PageShows(t, string(page.Body), []string{"06 11 11 11 11 · phone-shown@example.org"}, []string{"+33611111111", "+33 6"})
}
