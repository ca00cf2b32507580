package notify

// kindLabels names, in French, what caused each kind of message written by
// scrutin (the Kind of a Message, or the literal kind of the outbox inserts
// written in SQL). Every kind the code writes must be listed here: the
// Messages page shows these labels instead of the codes.
var kindLabels = map[string]string{
	// Proxies (logistics/proxies).
	"proxy.request":             "Procuration : demande enregistrée ou modifiée",
	"proxy.volunteer":           "Procuration : inscription du volontaire enregistrée ou modifiée",
	"proxy.change":              "Procuration : modification à confirmer",
	"proxy.offer":               "Procuration : proposition au volontaire",
	"proxy.accepted":            "Procuration : proposition acceptée",
	"proxy.established":         "Procuration : procuration établie",
	"proxy.expired":             "Procuration : proposition expirée",
	"proxy.reminder":            "Procuration : rappel au mandant",
	"proxy.withdrawn":           "Procuration : proposition retirée ou désistement",
	"proxy.cancelled":           "Procuration : demande annulée",
	"proxy.volunteer_withdrawn": "Procuration : retrait du volontaire",
	"proxy.voter_number":        "Procuration : numéro d'électeur déjà inscrit avec une autre adresse",
	// Campaign material (logistics/materials).
	"material.order":     "Matériel : commande enregistrée",
	"material.cancel":    "Matériel : commande annulée",
	"material.batched":   "Matériel : commande en préparation",
	"material.shipped":   "Matériel : commande expédiée",
	"material.tracking":  "Matériel : numéro de suivi",
	"material.delivered": "Matériel : commande livrée",
	// Polling station delegates (logistics/delegates).
	"delegate.signup":       "Délégués : inscription enregistrée ou modifiée",
	"delegate.change":       "Délégués : modification à confirmer",
	"delegate.assignment":   "Délégués : affectation de bureau de vote",
	"delegate.withdrawn":    "Délégués : retrait enregistré",
	"delegate.voter_number": "Délégués : numéro d'électeur déjà inscrit avec une autre adresse",
	// Staff accounts (logistics/staff).
	"staff.invitation": "Équipe : invitation à choisir son mot de passe",
}

// KindLabel is the French label of a message kind, or the kind itself when
// it has none (a kind written by an older version, say).
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}
