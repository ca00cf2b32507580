package proxies

import (
	"context"
	"fmt"
	"time"

	"scrutin/logistics/fr"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// The offers' part of the histories of the staff pages (a request's here, a
// volunteer's in volunteerdesk.go): who proposed, answered, withdrew or
// undid each offer, as the audit log knows it.

// The histories of the staff pages name who did each thing as the audit
// log knows it. The log records "public" for whoever used a private link
// or a public form: the entry tells the mandant from the volunteer
// (staff.AuditEntry.Who, in historyOf). An offer's end is told by the offer, whose reason says
// what ended it; who did it is the author of that change's audit entry,
// wherever the log files it (offerEnders): a volunteer's withdrawal under
// the volunteer, an unmatching under the request.

// offerStory is what a history needs of one offer; who names the other
// side ("à Paul Petit" on a request's page, "pour Jeanne Moreau" on a
// volunteer's).
type offerStory struct {
	id, requestID, volunteerID int64
	round                      int
	status, reason, who, by    string
	created                    time.Time
	answered, reminded         *time.Time
}

// offerHistory tells the events of offers that the audit log files under
// the election, the matching run or the other side rather than under the
// page's request or volunteer: proposals, answers, expiries, withdrawals,
// reminders. proposed says which proposals (by whom) and audited which
// ends (status, reason) have an entry of the page's own.
func offerHistory(ctx context.Context, q pgdb.Q, stories []offerStory, proposed func(by string) bool,
	audited func(status, reason string) bool) ([]HistoryEvent, error) {
	var told []offerStory
	for _, s := range stories {
		if s.answered != nil && !audited(s.status, s.reason) {
			told = append(told, s)
		}
	}
	enders, err := offerEnders(ctx, q, told)
	if err != nil {
		return nil, err
	}
	var out []HistoryEvent
	add := func(at time.Time, actor, text string) {
		out = append(out, HistoryEvent{AuditEntry: staff.AuditEntry{At: at, Actor: actor}, text: text})
	}
	// Newest first, as historyOf sorts (stable: events at the same time
	// keep this order).
	for _, s := range stories {
		if s.reminded != nil {
			add(*s.reminded, staff.ActorSystem, fmt.Sprintf("Rappel au mandant : procuration à faire établir (%s)", fr.Round(s.round)))
		}
		if by, ok := enders[s.id]; ok {
			add(*s.answered, by, fmt.Sprintf("Proposition %s %s (%s)", s.who,
				OfferEntry{Status: s.status, Reason: s.reason}.StatusLabel(), fr.Round(s.round)))
		}
		if proposed(s.by) {
			what := "Proposition"
			if s.by == staff.ActorSystem {
				what = "Proposition automatique"
			}
			add(s.created, s.by, fmt.Sprintf("%s %s (%s)", what, s.who, fr.Round(s.round)))
		}
	}
	return out, nil
}

// endedBy is who ended an offer, as far as the offer tells.
func endedBy(status, reason string) string {
	switch {
	case status == OfferAccepted || status == OfferDeclined:
		return staff.ActorVolunteer // answered from their link
	case status == OfferExpired || reason == "moved":
		return staff.ActorSystem
	case reason == "cancelled" || reason == "request_changed":
		return staff.ActorMandant
	case reason == "volunteer_changed" || reason == "volunteer_withdrew":
		return staff.ActorVolunteer // unless staff withdrew them: offerEnders
	case reason == "unmatched" || reason == "reassigned":
		return staff.ActorTeam // offerEnders names them
	}
	// "changed": a change of either side (until December 2026).
	return staff.ActorPublic
}

// offerEnders is who ended each of the offers: endedBy, and for the ends
// staff may have made, the author of the change's audit entry.
//   - volunteer_withdrew: a volunteer's withdrawal (their link, or staff's
//     "Retirer") ends every live offer of theirs and records how many in
//     its entry, so that their withdrawn offers in id order are those of
//     their withdrawals in turn;
//   - unmatched: each unmatching of a request round ends its one live
//     offer, so that the round's nth unmatched offer is its nth entry;
//   - reassigned: staff's proposal to another volunteer ends the live
//     offer and makes the round's next one, created by them.
func offerEnders(ctx context.Context, q pgdb.Q, stories []offerStory) (map[int64]string, error) {
	out := map[int64]string{}
	var withdrew, unmatched, reassigned []int64
	var volunteers, requests []int64
	for _, s := range stories {
		out[s.id] = endedBy(s.status, s.reason)
		switch s.reason {
		case "volunteer_withdrew":
			withdrew, volunteers = append(withdrew, s.id), append(volunteers, s.volunteerID)
		case "unmatched":
			unmatched, requests = append(unmatched, s.id), append(requests, s.requestID)
		case "reassigned":
			reassigned = append(reassigned, s.id)
		}
	}
	lookup := func(ids []int64, sql string, args ...any) error {
		if len(ids) == 0 {
			return nil
		}
		rows, err := q.Query(ctx, sql, append([]any{ids}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var actor *string
			if err := rows.Scan(&id, &actor); err != nil {
				return err
			}
			// "public" is the person endedBy names.
			if actor != nil && *actor != staff.ActorPublic {
				out[id] = *actor
			}
		}
		return rows.Err()
	}
	// (status NOT IN ('pending', 'accepted') repeats the predicate of the
	// partial index of ended offers, for the planner to use it.)
	err := lookup(withdrew, `
		WITH w AS (
			SELECT id, entity_id, actor, sum(coalesce((details->>'offers')::int, 0)) OVER (PARTITION BY entity_id ORDER BY id) AS upto
			FROM audit_log WHERE entity = 'proxy_volunteer' AND action = 'proxy_volunteer.withdraw' AND entity_id = ANY ($2::text[])
		), o AS (
			SELECT id, volunteer_id, row_number() OVER (PARTITION BY volunteer_id ORDER BY id) AS n FROM proxy_offers
			WHERE volunteer_id = ANY ($3) AND status = 'withdrawn' AND reason = 'volunteer_withdrew'
		)
		SELECT o.id, (SELECT w.actor FROM w WHERE w.entity_id = o.volunteer_id::text AND w.upto >= o.n ORDER BY w.upto, w.id LIMIT 1)
		FROM o WHERE o.id = ANY ($1)`, idTexts(volunteers), volunteers)
	if err != nil {
		return nil, err
	}
	err = lookup(unmatched, `
		WITH u AS (
			SELECT entity_id, details->>'round' AS round, actor, row_number() OVER (PARTITION BY entity_id, details->>'round' ORDER BY id) AS n
			FROM audit_log WHERE entity = 'proxy_request' AND action = 'proxy_request.unmatch' AND entity_id = ANY ($2::text[])
		), o AS (
			SELECT id, request_id, round, row_number() OVER (PARTITION BY request_id, round ORDER BY id) AS n FROM proxy_offers
			WHERE request_id = ANY ($3) AND status = 'withdrawn' AND reason = 'unmatched'
		)
		SELECT o.id, u.actor FROM o JOIN u ON u.entity_id = o.request_id::text AND u.round = o.round::text AND u.n = o.n
		WHERE o.id = ANY ($1)`, idTexts(requests), requests)
	if err != nil {
		return nil, err
	}
	err = lookup(reassigned, `
		SELECT DISTINCT ON (x.id) x.id, o.created_by FROM proxy_offers x
		JOIN proxy_offers o ON o.request_id = x.request_id AND o.round = x.round AND o.id > x.id AND `+anyStatus+`
		WHERE x.id = ANY ($1) ORDER BY x.id, o.id`)
	return out, err
}

// idTexts is ids as the audit log's entity_id.
func idTexts(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprint(id)
	}
	return out
}
