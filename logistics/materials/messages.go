package materials

import (
	"fmt"
	"strings"

	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
)

// The e-mails a person gets about their order, one per step. Only the
// confirmation carries the private link: its plain token exists only while
// the order is being placed.

func orderSummary(o *Order) string {
	var b strings.Builder
	for _, l := range o.Lines {
		fmt.Fprintf(&b, "- %s %s : %s (%s)\n", fr.Number(l.Quantity), l.Unit, l.Name, l.SKU)
	}
	fmt.Fprintf(&b, "\nLivraison : %s, %s, %s %s\n", o.Name, o.Address, o.PostalCode, o.CommuneName)
	return b.String()
}

func confirmationMessage(e *elections.Election, o *Order, link string) notify.Message {
	body := fmt.Sprintf(`Bonjour %s,

Nous avons bien reçu votre commande de matériel n° %d pour « %s » :

%s
Suivre votre commande, ou l'annuler tant qu'elle n'est pas expédiée :
%s

Ce lien est personnel : ne le transmettez pas. Vous recevrez un message à
chaque étape (préparation, expédition, livraison).

Merci pour votre engagement !
`, o.Name, o.ID, e.Name, orderSummary(o), link)
	return notify.Message{Channel: notify.Email, Recipient: o.Email, Kind: "material.order",
		Subject: fmt.Sprintf("Votre commande de matériel n° %d est enregistrée", o.ID), Body: body}
}

func cancelMessage(e *elections.Election, o *Order, who string) notify.Message {
	body := fmt.Sprintf(`Bonjour %s,

%s la commande de matériel n° %d pour « %s » :

%s
Rien ne vous sera envoyé. Vous pouvez passer une nouvelle commande jusqu'à la date limite de chaque article.
`, o.Name, who, o.ID, e.Name, orderSummary(o))
	return notify.Message{Channel: notify.Email, Recipient: o.Email, Kind: "material.cancel",
		Subject: fmt.Sprintf("Votre commande de matériel n° %d est annulée", o.ID), Body: body}
}

func batchedMessage(o *Order) notify.Message {
	return notify.Message{Channel: notify.Email, Recipient: o.Email, Kind: "material.batched",
		Subject: fmt.Sprintf("Votre commande de matériel n° %d est en préparation", o.ID),
		Body: fmt.Sprintf(`Bonjour %s,

Votre commande de matériel n° %d est en préparation chez notre imprimeur.
Vous pouvez encore l'annuler avec le lien reçu lors de la commande, tant
qu'elle n'est pas expédiée.
`, o.Name, o.ID)}
}

func shippedMessage(o *Order) notify.Message {
	tracking := ""
	if o.Tracking != "" {
		tracking = fmt.Sprintf("\nNuméro de suivi du colis : %s\n", o.Tracking)
	}
	return notify.Message{Channel: notify.Email, Recipient: o.Email, Kind: "material.shipped",
		Subject: fmt.Sprintf("Votre commande de matériel n° %d est expédiée", o.ID),
		Body: fmt.Sprintf(`Bonjour %s,

Votre commande de matériel n° %d vient d'être expédiée à l'adresse :
%s, %s %s
%s
Merci pour votre engagement !
`, o.Name, o.ID, o.Address, o.PostalCode, o.CommuneName, tracking)}
}

func trackingMessage(o *Order) notify.Message {
	return notify.Message{Channel: notify.Email, Recipient: o.Email, Kind: "material.tracking",
		Subject: fmt.Sprintf("Suivi de votre commande de matériel n° %d", o.ID),
		Body: fmt.Sprintf(`Bonjour %s,

Votre commande de matériel n° %d est en route vers :
%s, %s %s

Numéro de suivi du colis : %s

Merci pour votre engagement !
`, o.Name, o.ID, o.Address, o.PostalCode, o.CommuneName, o.Tracking)}
}

func deliveredMessage(o *Order) notify.Message {
	return notify.Message{Channel: notify.Email, Recipient: o.Email, Kind: "material.delivered",
		Subject: fmt.Sprintf("Votre commande de matériel n° %d est livrée", o.ID),
		Body: fmt.Sprintf(`Bonjour %s,

Votre commande de matériel n° %d est indiquée comme livrée. Si vous ne l'avez
pas reçue, répondez à ce message.

Bonne campagne !
`, o.Name, o.ID)}
}
