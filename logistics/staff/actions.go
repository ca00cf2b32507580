package staff

import "strings"

// ActionLabel is an audit action in French, for the journal and the
// histories of the staff pages; an unknown action prints as recorded.
func ActionLabel(action string) string {
	if s, ok := actionLabels[action]; ok {
		return s
	}
	if name, ok := strings.CutPrefix(action, "export."); ok {
		return "Export : " + name
	}
	return action
}

var actionLabels = map[string]string{
	// Proxies.
	"proxy_request.create":               "Demande déposée",
	"proxy_request.update":               "Demande modifiée (confirmée par e-mail)",
	"proxy_request.change_held":          "Formulaire renvoyé : modification en attente de confirmation par e-mail",
	"proxy_request.link_resent":          "Formulaire renvoyé sans changement : lien de la page renvoyé par e-mail",
	"proxy_request.cancel":               "Demande annulée",
	"proxy_request.established":          "Procuration établie (confirmée par le mandant)",
	"proxy_request.manual_match":         "Appariement manuel",
	"proxy_request.unmatch":              "Appariement retiré",
	"proxy_offer.accept":                 "Proposition acceptée",
	"proxy_offer.decline":                "Proposition refusée",
	"proxy_offer.expire":                 "Propositions expirées",
	"proxy_offer.remind":                 "Rappels envoyés",
	"proxy_matching.run":                 "Appariement des procurations",
	"export.proxies":                     "Export : procurations",
	"api_read.proxy_requests":            "Lecture par l'API : demandes de procuration",
	"api_read.proxy_volunteers":          "Lecture par l'API : volontaires procurations",
	"api_read.delegate_volunteers":       "Lecture par l'API : bénévoles assesseurs et délégués",
	"api_read.material_orders":           "Lecture par l'API : commandes de matériel",
	"proxy_volunteer.create":             "Inscription",
	"proxy_volunteer.update":             "Inscription modifiée (confirmée par e-mail)",
	"proxy_volunteer.change_held":        "Formulaire renvoyé : modification en attente de confirmation par e-mail",
	"proxy_volunteer.link_resent":        "Formulaire renvoyé sans changement : lien de la page renvoyé par e-mail",
	"proxy_volunteer.withdraw":           "Retrait de la liste",
	"proxy_volunteer.details_view":       "Affichage du numéro d'électeur et de la date de naissance",
	"proxy_volunteer.voter_number_alert": "Numéro d'électeur envoyé avec une autre adresse : la personne est prévenue",
	// Delegates.
	"delegate_volunteer.create":             "Inscription assesseur·e / délégué·e",
	"delegate_volunteer.update":             "Inscription assesseur·e / délégué·e modifiée (confirmée par e-mail)",
	"delegate_volunteer.change_held":        "Formulaire renvoyé : modification en attente de confirmation par e-mail",
	"delegate_volunteer.voter_number_alert": "Numéro d'électeur envoyé avec une autre adresse : la personne est prévenue",
	"delegate_volunteer.confirm":            "Affectation confirmée par le ou la bénévole",
	"delegate_volunteer.withdraw":           "Retrait du ou de la bénévole",
	"delegate_assignment.run":               "Affectation des bureaux",
	"delegate_settings.update":              "Nombre de bureaux par délégué·e modifié",
	"delegate_assignment.assign":            "Affectation manuelle",
	"delegate_assignment.unassign":          "Affectation retirée",
	"delegate_needs.roles":                  "Rôles à pourvoir modifiés",
	"delegate_needs.priority":               "Priorités des bureaux modifiées",
	"delegate_needs.priority_import":        "Priorités des bureaux importées",
	"delegate_representative.set":           "Représentant(e) désigné(e)",
	"delegate_representative.delete":        "Représentant(e) retiré(e)",
	// Material.
	"material_order.create":   "Commande de matériel",
	"material_order.cancel":   "Commande annulée",
	"material_order.ship":     "Commande expédiée",
	"material_order.tracking": "Numéro de suivi enregistré",
	"material_order.deliver":  "Commande livrée",
	"material_batch.create":   "Lot d'expédition créé",
	"material_batch.sent":     "Lot marqué comme envoyé",
	"material_item.delete":    "Article supprimé",
	"material_item.picture":   "Photo d'article changée",
	// Messages, elections, places, staff.
	"message.view":            "Message consulté",
	"message.retry":           "Message renvoyé",
	"message.retry_failed":    "Messages en échec renvoyés",
	"election.create":         "Élection créée",
	"election.purge":          "Données personnelles de l'élection supprimées",
	"import.communes":         "Import des communes",
	"import.bureaux":          "Import des bureaux de vote",
	"staff.add":               "Compte d'équipe créé ou modifié",
	"staff.login":             "Connexion",
	"staff.token":             "Jeton d'API créé",
	"staff.revoke":            "Jetons d'API et connexions révoqués",
	"staff.remove":            "Compte d'équipe supprimé",
	"staff.invite":            "Invitation envoyée de nouveau au compte d'équipe",
	"staff.invitation_accept": "Mot de passe choisi avec le lien d'invitation",
	// Migration 023: a scope "98" (before 021, every 98x commune) made the
	// four collectivities it held.
	"staff.scope_pacific": "Périmètre « 98 » remplacé par les collectivités 984, 986, 987 et 988 (mise à jour du logiciel)",
}
