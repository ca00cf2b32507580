package web

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/places"
)

// A public form's place without JavaScript (templates/partials/place.html).
//
// The partial asks for a commune by name or postal code (commune_q), then
// offers the matching communes (commune_code) and that commune's bureaux
// (bureau_code). app.js fills both selects as the person types; without it
// (turned off, blocked, failed) they hold nothing to choose and no form
// could ever be sent. The server then does what the script would have
// done: it looks the text up with the search the API uses (places.Search)
// and, when the page comes back, lists the matching communes and the
// chosen commune's bureaux. A form that asks for a commune and no bureau
// (partials/commune alone: a delivery address) reads it with ReadCommune.

// Form fields of partials/place and partials/commune beside commune_code
// and bureau_code.
const (
	placeText = "commune_q"     // what the person typed
	placeNoJS = "sans_js"       // set by a <noscript> input: the browser runs no script
	placeSeen = "bureaux_for"   // the commune whose bureaux the page listed (server-side)
	placeName = "commune_label" // the chosen commune as shown (kept by app.js)
)

// noBureauYet is the bureau a form is validated with while the person is
// asked to choose theirs: no bureau has this code, so the domain refuses
// the form (nothing is stored) and still checks every other field.
const noBureauYet = "?"

// noCommuneYet is the commune a form is validated with while the text
// typed names none or several: no commune has this code, so the domain
// refuses the form even where an empty commune has a meaning of its own
// (a material order takes the commune of its postal code).
const noCommuneYet = "?"

// dontKnow is the empty bureau choice of a form where the bureau is
// optional (partials/place's default).
const dontKnow = "Je ne sais pas"

// FormPlace is the commune and bureau a form with partials/place was sent
// with, as far as the server could tell without the script.
type FormPlace struct {
	// CommuneCode and BureauCode are what the domain is to validate.
	CommuneCode, BureauCode string

	s         *Server
	form      map[string]string
	errs      check.Errors     // the fallback's own messages, by field
	choices   []places.Commune // several communes match the text
	bureaux   []places.Bureau  // of the commune bureauxOf names, once loaded
	bureauxOf string
	optional  bool // "Je ne sais pas" is an answer for the bureau
	noBureau  bool // the form asks for no bureau (ReadCommune)
}

// ReadPlace reads the place of a form with partials/place, form being its
// values (FormValues), and fills in the commune when the script did not:
//
//   - No commune chosen but a name or postal code typed: the text is looked
//     up. One commune matches: it is the one (form["commune_code"] is set).
//     Several: the page is to come back with them to choose from. None: it
//     says so. In both cases CommuneCode is one no commune has, so that
//     the domain refuses the form.
//   - A commune chosen that the text does not find: the text was changed
//     since, with no script to follow it; the text wins, as above.
//   - A browser without script had no list of bureaux to choose from:
//     where the bureau is optional (bureauOptional) and left empty, the
//     page comes back once with the commune's bureaux, to choose one or
//     "Je ne sais pas". (A browser whose script failed cannot be told from
//     one whose script ran: its empty bureau is taken as "Je ne sais pas".)
//
// Put CommuneCode and BureauCode in the domain's input, pass the domain's
// error through Err, and call Show before rendering the page again.
func (s *Server) ReadPlace(c *fiber.Ctx, form map[string]string, bureauOptional bool) (*FormPlace, error) {
	p := &FormPlace{s: s, form: form, errs: check.Errors{}, optional: bureauOptional,
		CommuneCode: form["commune_code"], BureauCode: form["bureau_code"]}
	if err := p.readCommune(c); err != nil {
		return nil, err
	}
	code, ok := places.NormalizeCommune(p.CommuneCode)
	if ok && p.optional && form[placeNoJS] != "" && strings.TrimSpace(p.BureauCode) == "" && form[placeSeen] != code {
		if err := p.loadBureaux(c, code); err != nil {
			return nil, err
		}
		if len(p.bureaux) > 0 {
			p.BureauCode = noBureauYet
			p.errs["bureau_code"] = fmt.Sprintf("Choisissez votre bureau de vote dans la liste, ou « %s ».", dontKnow)
		}
	}
	return p, nil
}

// ReadCommune is ReadPlace for a form that asks for a commune and no
// bureau (partials/commune alone): the commune is read as ReadPlace reads
// it, BureauCode stays empty and Show lists no bureaux. Where the text
// matches several communes, those of the form's postal_code, if any, are
// kept (one left: it is the one).
func (s *Server) ReadCommune(c *fiber.Ctx, form map[string]string) (*FormPlace, error) {
	p := &FormPlace{s: s, form: form, errs: check.Errors{}, noBureau: true, CommuneCode: form["commune_code"]}
	if err := p.readCommune(c); err != nil {
		return nil, err
	}
	return p, nil
}

// readCommune looks up the text typed when no commune among those it
// finds was chosen (see ReadPlace).
func (p *FormPlace) readCommune(c *fiber.Ctx) error {
	text := strings.TrimSpace(p.form[placeText])
	if text == "" {
		return nil
	}
	found, err := places.Search(c.UserContext(), p.s.Pool, text)
	if err != nil {
		return err
	}
	code, _ := places.NormalizeCommune(p.CommuneCode)
	if code != "" && slices.ContainsFunc(found, func(c places.Commune) bool { return c.Code == code }) {
		return nil
	}
	if len(found) > 1 && p.noBureau {
		found = byPostalCode(found, p.form["postal_code"])
	}
	p.CommuneCode, p.BureauCode = noCommuneYet, ""
	p.form["commune_code"], p.form["bureau_code"], p.form[placeName] = "", "", ""
	switch len(found) {
	case 0:
		p.errs["commune_code"] = fmt.Sprintf("Aucune commune ne correspond à « %s ».", shorten(text, 60))
	case 1:
		p.CommuneCode = found[0].Code
		p.form["commune_code"] = found[0].Code
	default:
		p.choices = found
		p.errs["commune_code"] = "Choisissez votre commune dans la liste."
	}
	return nil
}

// byPostalCode narrows the communes a name matches to those of the
// postal code of a form that asks one beside the commune (ReadCommune: a
// delivery address), when it is a valid one: "Saint-Denis" with 93200 is
// 93066. Where none of them has it, the list stays whole (the domain
// then says the postal code does not match the commune chosen).
func byPostalCode(found []places.Commune, postal string) []places.Commune {
	postal = strings.Join(strings.Fields(postal), "")
	if len(postal) != 5 || strings.Trim(postal, "0123456789") != "" {
		return found
	}
	var kept []places.Commune
	for _, c := range found {
		if slices.Contains(c.PostalCodes, postal) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return found
	}
	return kept
}

// shorten cuts a text typed by a person to n characters for a message.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func (p *FormPlace) loadBureaux(c *fiber.Ctx, code string) error {
	if p.bureauxOf == code {
		return nil
	}
	bs, err := places.BureauxOf(c.UserContext(), p.s.Pool, code)
	if err != nil {
		return err
	}
	p.bureaux, p.bureauxOf = bs, code
	return nil
}

// Asking reports that the page must come back for the place (a commune to
// choose among several, a bureau to choose): a step of the form without
// script, not a submission, so it takes nothing of the e-mail's rate limit.
func (p *FormPlace) Asking() bool { return len(p.errs) > 0 }

// Err is the domain's answer to the form with the fallback's messages in
// place of the domain's for the same fields: the domain says "Choisissez
// votre commune." of an empty code, the page says why it is empty.
func (p *FormPlace) Err(err error) error {
	inv, ok := check.AsInvalid(err)
	if !ok || len(p.errs) == 0 {
		return err
	}
	fields := check.Errors{}
	for k, msg := range inv.Fields {
		fields[k] = msg
	}
	for k, msg := range p.errs {
		fields[k] = msg
	}
	return &check.Invalid{Summary: inv.Summary, Fields: fields}
}

// PlaceOption is one choice of a select of partials/place.
type PlaceOption struct {
	Value, Label string
	Selected     bool
}

// PlaceView is what partials/place lists when the server knows the
// choices (data["Place"]): the commune select's options, and the bureaux
// after the bureau select's empty choice. BureauxFor is the commune whose
// bureaux these are.
type PlaceView struct {
	Communes   []PlaceOption
	Bureaux    []PlaceOption
	BureauxFor string
}

// Show adds to a page coming back what partials/place lists: the communes
// matching the text when there are several, else the chosen commune and
// its bureaux (none for a form read with ReadCommune).
func (p *FormPlace) Show(c *fiber.Ctx, data fiber.Map) error {
	v := &PlaceView{}
	data["Place"] = v
	if len(p.choices) > 0 {
		v.Communes = append(v.Communes, PlaceOption{Label: "— choisissez votre commune dans la liste —", Selected: true})
		for _, cm := range p.choices {
			v.Communes = append(v.Communes, PlaceOption{Value: cm.Code, Label: communeText(cm)})
		}
		return nil
	}
	code, ok := places.NormalizeCommune(p.form["commune_code"])
	if !ok {
		return nil
	}
	cm, err := places.GetCommune(c.UserContext(), p.s.Pool, code)
	if err != nil {
		if errors.Is(err, check.ErrNotFound) {
			return nil
		}
		return err
	}
	label := communeText(*cm)
	p.form[placeName] = label
	v.Communes = []PlaceOption{{Value: cm.Code, Label: label, Selected: true}}
	if p.noBureau {
		return nil
	}
	if err := p.loadBureaux(c, code); err != nil {
		return err
	}
	chosen, _ := places.NormalizeBureau(p.form["bureau_code"])
	for _, b := range p.bureaux {
		v.Bureaux = append(v.Bureaux, PlaceOption{Value: b.Code, Label: b.Label(), Selected: b.Code == chosen})
	}
	if len(v.Bureaux) > 0 {
		v.BureauxFor = code
	}
	return nil
}

// communeText is a commune as app.js lists it: "Sisteron (04200)".
func communeText(c places.Commune) string {
	codes := c.Code
	if len(c.PostalCodes) > 0 {
		codes = strings.Join(c.PostalCodes, ", ")
	}
	return c.Name + " (" + codes + ")"
}
