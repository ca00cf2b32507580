package web

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/changes"
	"scrutin/logistics/check"
)

// ChangeDesk is a capability whose public form, sent again, holds a change
// until the person confirms it from their mailbox (logistics/changes).
type ChangeDesk interface {
	// PendingChange describes the change of a link's token, without
	// applying it; check.ErrNotFound when the link is not valid (any more).
	PendingChange(ctx context.Context, plain string) (*changes.Summary, error)
	// ConfirmChange applies it, validated again.
	ConfirmChange(ctx context.Context, plain string) error
}

// ChangeRoutes serves the confirmation links of a capability under prefix
// ("/procuration"): prefix+changes.LinkPath+token shows the change, a POST
// there (CSRF, rate-limited as limit) applies it, and prefix+"/modification"
// tells the person to look in their mailbox (HoldRedirect sends them
// there). A GET never changes anything: mail scanners open links too.
func (s *Server) ChangeRoutes(pages fiber.Router, prefix, limit string, d ChangeDesk) {
	const title = "Confirmer une modification"
	page := func(c *fiber.Ctx, status int, data fiber.Map) error {
		data["Title"] = title
		return s.RenderStatus(c, status, "change", data)
	}
	pages.Get(prefix+"/modification", func(c *fiber.Ctx) error {
		return s.Render(c, "change", fiber.Map{"Title": "Vérifiez votre boîte mail", "Sent": true})
	})
	pages.Get(prefix+changes.LinkPath+":token", func(c *fiber.Ctx) error {
		sum, err := d.PendingChange(c.UserContext(), c.Params("token"))
		if err != nil {
			return s.changeGone(c, err)
		}
		return page(c, fiber.StatusOK, fiber.Map{"Change": sum})
	})
	pages.Post(prefix+changes.LinkPath+":token", s.LimitPublic(limit), func(c *fiber.Ctx) error {
		ctx, plain := c.UserContext(), c.Params("token")
		sum, err := d.PendingChange(ctx, plain)
		if err != nil {
			return s.changeGone(c, err)
		}
		if len(sum.Problems) > 0 { // the page already says why it cannot apply
			return page(c, fiber.StatusUnprocessableEntity, fiber.Map{"Change": sum})
		}
		if err := d.ConfirmChange(ctx, plain); err != nil {
			return s.FormError(c, err, "change", fiber.Map{"Title": title, "Change": sum})
		}
		return s.Render(c, "change", fiber.Map{"Title": "Modification enregistrée", "Done": true, "What": sum.What})
	})
}

// HoldRedirect sends a form's sender to the page that tells them to
// confirm their change from their mailbox.
func HoldRedirect(c *fiber.Ctx, prefix string) error {
	return c.Redirect(prefix+"/modification", fiber.StatusSeeOther)
}

// changeGone answers a confirmation link that no longer holds a change
// (check.ErrNotFound): confirmed already, with it or with the link of
// another sending of the form for the same entry, or expired. The generic
// « Introuvable » would leave the person wondering whether it worked.
func (s *Server) changeGone(c *fiber.Ctx, err error) error {
	if !errors.Is(err, check.ErrNotFound) {
		return err
	}
	return s.RenderStatus(c, fiber.StatusNotFound, "error", fiber.Map{"Title": "Lien expiré ou déjà utilisé",
		"Message": fmt.Sprintf("Ce lien de confirmation ne sert plus : la modification a déjà été confirmée (avec ce lien, ou avec celui "+
			"d'un autre envoi du formulaire), ou le lien a expiré (il est valable %d heures). Si vous avez confirmé, c'est enregistré : "+
			"le lien vers votre page personnelle est dans l'e-mail reçu ensuite. Sinon, envoyez de nouveau le formulaire avec la même "+
			"adresse e-mail, puis confirmez avec le lien que nous vous écrirons.", int(changes.TTL.Hours()))})
}
