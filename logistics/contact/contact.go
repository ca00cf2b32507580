// Package contact checks and normalises what people type about themselves
// in public forms: names, e-mail, phone, birth date, voter number (NNE).
// Every form uses these so that the same input gets the same message; the
// sign-ups that take a voter number share here what they answer when the
// number is signed up under another address (TakenVoterNumber).
package contact

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/nyaruka/phonenumbers"

	"scrutin/logistics/check"
	"scrutin/logistics/notify"
)

// Email trims and lower-cases an address, adding a message to errs under
// field when it is missing or malformed (emailProblem).
func Email(errs check.Errors, field, s string) string {
	raw := strings.TrimSpace(stripInvisible(s))
	s = strings.ToLower(raw)
	if s == "" {
		errs.Add(field, "L'adresse e-mail est obligatoire.")
	} else if !printable(raw) {
		errs.Add(field, badEmail+" : elle contient des caractères non autorisés.")
	} else if msg := emailProblem(s); msg != "" {
		errs.Add(field, msg)
	}
	return s
}

const badEmail = "Adresse e-mail invalide"

// emailProblem says what is wrong with a trimmed, printable address, or
// "" when it is a plain address: local-part@domain, as people have them
// and mail servers take them.
//
//   - The address alone: no display name ("Marie <marie@exemple.fr>"),
//     angle brackets, quotes, "mailto:" or spaces, which a copy from a
//     mail client or a web page brings along.
//   - The local part is a dot-atom (RFC 5322): letters, digits and
//     ! # $ % & ' * + - / = ? ^ _ ` { | } ~, in runs joined by single dots
//     (no dot first, last or twice in a row: "a..b" is refused by mail
//     servers); letters of any script too (RFC 6531). Quoted local parts
//     ("a b"@x) are legal but nobody has one: they are refused with the
//     quotes. At most 64 bytes.
//   - The domain is a host name of two labels at least (gmail.com, not
//     gmail), each of letters (any script: internationalised domains),
//     digits and inner hyphens, at most 63 characters; the last one is
//     not all digits (an IP address is not a mailbox's domain). No domain
//     literal ([192.0.2.1]).
//   - 254 bytes at most in all.
//
// A generic "Adresse e-mail invalide." is kept where the address is plainly
// unfinished (no "@", nothing after it): the person sees what is missing.
func emailProblem(s string) string {
	switch {
	case strings.HasPrefix(s, "mailto:"):
		return badEmail + " : indiquez l'adresse sans « mailto: » devant."
	case strings.ContainsAny(s, `<>"`):
		return badEmail + " : indiquez l'adresse seule, sans nom, guillemets ni chevrons (par exemple marie.dupont@exemple.fr)."
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return badEmail + " : elle ne doit pas contenir d'espace."
	case len(s) > 254:
		return badEmail + " : elle dépasse 254 caractères."
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return badEmail + "."
	}
	local, domain := s[:at], s[at+1:]
	switch {
	case strings.Contains(local, "@"):
		return badEmail + " : elle ne doit contenir qu'un seul « @ »."
	case local == "":
		return badEmail + " : il manque la partie avant « @ »."
	case domain == "":
		return badEmail + "."
	case len(local) > 64:
		return badEmail + " : la partie avant « @ » dépasse 64 caractères."
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return badEmail + " : la partie avant « @ » ne peut ni commencer ni finir par un point, ni en avoir deux de suite."
	case strings.IndexFunc(local, notAtext) >= 0:
		return badEmail + " : la partie avant « @ » contient des caractères non autorisés."
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return badEmail + " : le domaine après « @ » est incomplet (par exemple exemple.fr)."
	}
	for _, l := range labels {
		if !hostLabel(l) {
			return badEmail + " : le domaine après « @ » est mal formé."
		}
	}
	if tld := labels[len(labels)-1]; utf8.RuneCountInString(tld) < 2 || strings.IndexFunc(tld, notDigit) < 0 {
		return badEmail + " : le domaine après « @ » est mal formé."
	}
	return ""
}

// notAtext reports whether r may not stand in an address's local part
// (dots are checked apart).
func notAtext(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r))
	default:
		// Letters, marks and digits of any script; not a typographic
		// apostrophe or quote, which a phone's keyboard puts in place of
		// the ASCII one: that mailbox does not exist.
		return !unicode.In(r, unicode.L, unicode.M, unicode.Nd)
	}
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// hostLabel reports whether l is a label of a host name: letters (any
// script), digits and hyphens, not at either end, 63 characters at most.
func hostLabel(l string) bool {
	if l == "" || utf8.RuneCountInString(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if r < utf8.RuneSelf {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
				return false
			}
		} else if !unicode.In(r, unicode.L, unicode.M, unicode.Nd) {
			return false
		}
	}
	return true
}

// What people type about themselves goes through two filters, the same for
// names, addresses and e-mail addresses (Name, Text, Email):
//
//   - invisible format characters are removed (stripInvisible): zero-width
//     space and joiners (U+200B-U+200D), word joiner (U+2060), BOM (U+FEFF),
//     soft hyphen (U+00AD), variation selectors, Hangul fillers... that is
//     Unicode category Cf and the other default-ignorable code points, but
//     the bidi controls. They show nothing, so removing them changes
//     nothing anyone reads, and a required value made only of them is then
//     empty: "… est obligatoire.";
//   - what is left must be printable: valid UTF-8, no control character
//     (NUL, line breaks...), no line or paragraph separator (U+2028,
//     U+2029), no bidi control (U+061C, U+200E, U+200F, U+202A-U+202E,
//     U+2066-U+2069: they would reverse the text around the value on staff
//     pages and documents) and no U+FFFD (what JSON decoding makes of
//     invalid UTF-8). Those are refused, "… contient des caractères non
//     autorisés.", rather than silently dropped: dropping a bidi control
//     changes what the person saw.

// invisible reports whether r is a format character that shows nothing and
// is removed from what people type (see above).
func invisible(r rune) bool {
	return !unicode.Is(unicode.Bidi_Control, r) &&
		unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// stripInvisible removes the invisible format characters from s. Invalid
// UTF-8 bytes become U+FFFD, which printable refuses.
func stripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}

// refused reports whether r may not be stored in a one-line field.
func refused(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Bidi_Control, unicode.Zl, unicode.Zp)
}

// printable reports whether s is valid UTF-8 without any refused character:
// what PostgreSQL stores, a one-line field holds and a page shows as typed.
func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, refused) < 0
}

// Phone normalises a phone number to E.164 (France by default). When
// required is false an empty value is accepted and returned as "".
//
// A number with an extension ("+33 6 11 22 33 44 ext 2", "poste 12",
// "x2", "#2", ";ext=2") is refused: the number is for calling the person
// and texting them, and neither reaches an extension (E.164 has no room
// for one: it would be dropped without a word).
func Phone(errs check.Errors, field, s string, required bool) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			errs.Add(field, "Le numéro de téléphone est obligatoire.")
		}
		return ""
	}
	// libphonenumber knows "ext", "x", "#"... but not the French word,
	// which it would read as digits on a keypad.
	if strings.Contains(strings.ToLower(s), "poste") {
		errs.Add(field, phoneExtension)
		return s
	}
	// National numbers of the overseas départements start with 0 too but
	// belong to their own regions.
	for _, region := range []string{"FR", "RE", "GP", "MQ", "GF", "YT", "PM", "NC", "PF"} {
		n, err := phonenumbers.Parse(s, region)
		if err == nil && phonenumbers.IsValidNumber(n) {
			if n.GetExtension() != "" {
				errs.Add(field, phoneExtension)
				return s
			}
			return phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	errs.Add(field, "Numéro de téléphone invalide.")
	return s
}

const phoneExtension = "Numéro de téléphone invalide : indiquez un numéro direct, sans poste (un poste ne reçoit pas les SMS)."

// Mobile reports whether a stored E.164 number takes text messages: a
// mobile line, not a landline. French numbers are told by their prefix
// (06, 07: a batch asks this of 100,000 numbers); others are parsed.
func Mobile(e164 string) bool {
	if len(e164) == 12 && strings.HasPrefix(e164, "+33") {
		return e164[3] == '6' || e164[3] == '7'
	}
	n, err := phonenumbers.Parse(e164, "FR")
	if err != nil {
		return false
	}
	t := phonenumbers.GetNumberType(n)
	return t == phonenumbers.MOBILE || t == phonenumbers.FIXED_LINE_OR_MOBILE
}

// Name trims a person's name, removes invisible characters and collapses
// spaces; label is used in the message ("Le nom").
func Name(errs check.Errors, field, label, s string, required bool) string {
	s = strings.Join(strings.Fields(stripInvisible(s)), " ")
	switch {
	case s == "" && required:
		errs.Add(field, said(label, " est obligatoire.", " sont obligatoires."))
	case utf8.RuneCountInString(s) > 100:
		errs.Add(field, said(label, " dépasse", " dépassent")+" 100 caractères.")
	case !printable(s) || strings.ContainsAny(s, "<>"):
		errs.Add(field, said(label, " contient", " contiennent")+" des caractères non autorisés.")
	}
	return s
}

// Text trims free text (an address, a place of birth), removes invisible
// characters and bounds its length.
func Text(errs check.Errors, field, label, s string, required bool, max int) string {
	s = strings.TrimSpace(stripInvisible(s))
	switch {
	case s == "" && required:
		errs.Add(field, said(label, " est obligatoire.", " sont obligatoires."))
	case utf8.RuneCountInString(s) > max:
		errs.Add(field, said(label, " dépasse ", " dépassent ")+strconv.Itoa(max)+" caractères.")
	case !printable(s):
		errs.Add(field, said(label, " contient", " contiennent")+" des caractères non autorisés.")
	}
	return s
}

// said is label followed by what is said of it, in the singular or, for a
// plural label ("Les prénoms"), the plural. The messages use only words
// that agree in number alone (obligatoire, dépasser, contenir), never in
// gender: "L'adresse" and "Le nom" take the same.
func said(label, singular, plural string) string {
	if strings.HasPrefix(label, "Les ") {
		return label + plural
	}
	return label + singular
}

var nneRe = regexp.MustCompile(`^[0-9]{8,9}$`)

// VoterNumber checks a national voter number (NNE): 8 or 9 digits, printed
// on the voter card. Spaces typed by people are removed; it stays a digit
// string (leading zeros matter).
func VoterNumber(errs check.Errors, field, s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		errs.Add(field, "Le numéro national d'électeur est obligatoire.")
	} else if !nneRe.MatchString(s) {
		errs.Add(field, "Le numéro national d'électeur compte 8 ou 9 chiffres (il figure sur votre carte électorale).")
	}
	return s
}

// VoterNumberTaken refuses a voter number that another e-mail signed up
// with for the election (one entry per voter), on a change confirmed from
// the link of one's own mailbox only: that person is the mailbox's owner.
// A public form never answers so: whether a voter number is signed up is
// no one else's business (see TakenVoterNumber).
func VoterNumberTaken(field string) error {
	return check.Field(field, "Ce numéro national d'électeur est déjà inscrit avec une autre adresse e-mail : "+
		"pour modifier l'inscription, envoyez le formulaire avec celle-ci, ou écrivez-nous.")
}

// BirthDate parses YYYY-MM-DD (the HTML date input and the API) or
// DD/MM/YYYY (typed by hand) and checks that the person is
// at least 18 on adultOn (the round date). It returns the zero time when
// the value is refused.
func BirthDate(errs check.Errors, field, s string, adultOn time.Time) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		errs.Add(field, "La date de naissance est obligatoire.")
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		d, err = time.Parse("02/01/2006", s)
	}
	if err != nil {
		// No format in the message: the date input shows its own, the
		// API sends AAAA-MM-JJ, and both forms are read.
		errs.Add(field, "Date de naissance invalide.")
		return time.Time{}
	}
	if d.Year() < 1900 {
		errs.Add(field, "Date de naissance invalide.")
		return time.Time{}
	}
	if !adultOn.IsZero() && d.AddDate(18, 0, 0).After(adultOn) {
		errs.Add(field, "Il faut avoir 18 ans le jour du scrutin.")
		return time.Time{}
	}
	return d
}

// Consent checks an explicit consent box: one sentence for every public
// form (a request, a sign-up, an order).
func Consent(errs check.Errors, field string, given bool) {
	if !given {
		errs.Add(field, "Votre accord est nécessaire : sans lui, nous ne pouvons pas enregistrer ce formulaire.")
	}
}

// TakenVoterNumber is a public sign-up sent with a new e-mail address and
// a voter number (NNE) that other addresses are signed up with for the
// election. The NNE is printed on the voter card, and whether someone
// volunteers for a campaign is a political opinion: the form's answer must
// not tell. The sign-up is answered as a change held for confirmation
// (whoever sent it sees "check your mailbox"), nothing is stored, and only
// the mailboxes learn more (Messages). The proxy volunteers and the
// delegates both take this path.
type TakenVoterNumber struct {
	Election string   // the election's name
	Form     string   // what was sent: "le formulaire d'inscription des assesseurs et délégués"
	Team     string   // who signs: "L'équipe procurations"
	Kind     string   // the outbox kind of the messages
	Sender   string   // the address typed in the form
	Owners   []string // the addresses the number is signed up with

	// Where the entries of the owners are, for Enqueue: their table
	// ("proxy_volunteers", with election_id and email columns) and its
	// entity in the audit log ("proxy_volunteer"), and the election.
	Table, Entity string
	ElectionID    int64
}

// AlertEvery is how often at most an address on record is told that its
// voter number was sent with another address, per election (Enqueue):
// anyone who knows a voter number may send the form with it, again and
// again, each time with another address of their own.
const AlertEvery = 10 * time.Minute

// Enqueue writes t's messages (Messages) to the outbox within tx, but the
// alert to an address on record goes at most once every AlertEvery per
// entry, that is per address and election: a flood of sign-ups with the
// number puts one alert in its owner's mailbox, not one each. The message
// to the sender always goes (the per-address rate limit bounds those).
// What the form answers is the same either way.
//
// The throttle is resendLink's (proxies): the owners' entries are locked
// (FOR UPDATE, by id: two sign-ups at once wait for each other there),
// then an alert recorded in the audit log within the last AlertEvery
// (action Entity+".voter_number_alert" on the entry) holds the next one
// back. tx must be READ COMMITTED, the default: the statement after the
// lock sees what the transaction it waited for committed.
func (t TakenVoterNumber) Enqueue(ctx context.Context, tx pgx.Tx) error {
	action := t.Entity + ".voter_number_alert"
	rows, err := tx.Query(ctx, `SELECT id, email FROM `+pgx.Identifier{t.Table}.Sanitize()+`
		WHERE election_id = $1 AND email = ANY($2) ORDER BY id FOR UPDATE`, t.ElectionID, t.Owners)
	if err != nil {
		return err
	}
	type entry struct {
		ID    int64
		Email string
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByPos[entry])
	if err != nil {
		return err
	}
	alert := make([]string, 0, len(entries))
	for _, e := range entries {
		var recent bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3
			AND at > now() - make_interval(secs => $4))`, t.Entity, strconv.FormatInt(e.ID, 10), action, AlertEvery.Seconds()).Scan(&recent); err != nil {
			return err
		}
		if recent {
			continue
		}
		// "public" is staff.ActorPublic (staff imports this package).
		if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id) VALUES ('public', $1, $2, $3)`,
			action, t.Entity, strconv.FormatInt(e.ID, 10)); err != nil {
			return err
		}
		alert = append(alert, e.Email)
	}
	t.Owners = alert
	return notify.Enqueue(ctx, tx, t.Messages()...)
}

// Messages are what the sign-up writes to the outbox in place of an entry:
// to each address on record of the number, that someone sent the form
// with it and another address (masked: MaskEmail), what to do if that was
// them (their page link is not sent there); to the address typed, that
// the sign-up could not be recorded with this number and what to do.
// Neither message quotes the number.
func (t TakenVoterNumber) Messages() []notify.Message {
	out := make([]notify.Message, 0, len(t.Owners)+1)
	for _, owner := range t.Owners {
		out = append(out, notify.Message{Channel: notify.Email, Recipient: owner, Kind: t.Kind,
			Subject: "Votre numéro d'électeur a été donné avec une autre adresse e-mail",
			Body: fmt.Sprintf(`Bonjour,

Quelqu'un vient d'envoyer %s pour l'élection « %s » avec votre numéro national d'électeur, sous lequel vous êtes inscrit·e avec la présente adresse e-mail, et une autre adresse : %s.

Rien n'a été enregistré : une seule inscription est possible par électeur, et la vôtre reste telle qu'elle est, à la présente adresse. Le lien vers votre page n'a pas été envoyé à l'autre adresse.

Si c'était vous et que vous souhaitez désormais recevoir nos messages à l'autre adresse, répondez à ce message en nous l'indiquant : nous changerons l'adresse de votre inscription. Pour modifier autre chose, envoyez de nouveau le formulaire avec la présente adresse e-mail et confirmez la modification avec le lien que nous vous écrirons.

Si ce n'était pas vous, vous n'avez rien à faire. Votre numéro d'électeur figure sur votre carte électorale : prévenez-nous en répondant à ce message si cela se reproduit.`,
				t.Form, t.Election, MaskEmail(t.Sender)) +
				"\n\n" + t.Team + "\n(Vous recevez ce message parce qu'une inscription existe à cette adresse sur notre formulaire.)"})
	}
	return append(out, notify.Message{Channel: notify.Email, Recipient: t.Sender, Kind: t.Kind,
		Subject: "Votre inscription n'a pas pu être enregistrée",
		Body: fmt.Sprintf(`Bonjour,

Vous venez d'envoyer %s pour l'élection « %s » avec la présente adresse e-mail. L'inscription n'a pas pu être enregistrée avec le numéro national d'électeur indiqué : une inscription existe déjà avec ce numéro, à une autre adresse e-mail, et une seule est possible par électeur.

Si vous vous êtes déjà inscrit·e avec une autre adresse, utilisez le lien reçu à cette adresse-là lors de votre première inscription, ou envoyez de nouveau le formulaire avec elle pour modifier votre inscription. Pour que nos messages vous parviennent désormais à la présente adresse, ou si vous ne vous êtes jamais inscrit·e, écrivez-nous en répondant à ce message. Vérifiez aussi le numéro indiqué : il figure sur votre carte électorale.

Si vous n'êtes pas à l'origine de cet envoi, ignorez ce message : rien n'a été enregistré.`, t.Form, t.Election) +
			"\n\n" + t.Team + "\n(Vous recevez ce message parce que notre formulaire a été envoyé avec cette adresse.)"})
}

// MaskEmail shows enough of an address for its owner to recognise it and
// too little for anyone else to write to it: the first character of the
// local part and of the domain, and the domain's last label
// ("marie.dupont@gmail.com" is "m***@g***.com").
func MaskEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	first := func(s string) string {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 || r == utf8.RuneError {
			return ""
		}
		return string(r)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return first(s) + "***"
	}
	labels := strings.Split(s[at+1:], ".")
	masked := first(s[:at]) + "***@" + first(labels[0]) + "***"
	if len(labels) > 1 {
		masked += "." + labels[len(labels)-1]
	}
	return masked
}
