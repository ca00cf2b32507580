package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// SMTPSender sends e-mails through an SMTP server (a submission port of a
// provider, or a local relay).
type SMTPSender struct {
	Addr     string // host:port
	Implicit bool   // TLS from the first byte (smtps://, port 465); otherwise STARTTLS when offered
	Username string // PLAIN authentication when set
	Password string
	From     *mail.Address
	// TLS overrides the TLS settings (tests trust their own certificate);
	// the server name is filled in when empty.
	TLS *tls.Config
	// Timeout bounds each network step (dial, greeting, each message).
	Timeout time.Duration
	// Now dates the messages (time.Now when nil).
	Now func() time.Time
}

// ParseSMTPURL reads SMTP_URL:
//
//	smtp://user:password@host:587?from=scrutin@example.org
//	smtps://user:password@host:465?from=Campagne%20X%20<contact@example.org>
//
// smtp:// (default port 587) upgrades with STARTTLS whenever the server
// offers it; smtps:// (default port 465) is TLS from the start. User and
// password (URL-encoded) enable AUTH PLAIN, which net/smtp only sends over
// TLS or to localhost. from is the sender address, optionally with a name
// (default scrutin@localhost).
func ParseSMTPURL(raw string) (*SMTPSender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", redact(err))
	}
	s := &SMTPSender{}
	port := "587"
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.Implicit, port = true, "465"
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("SMTP_URL: no host")
	}
	if u.Port() != "" {
		port = u.Port()
	}
	s.Addr = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	from := u.Query().Get("from")
	if from == "" {
		from = "scrutin@localhost"
	}
	if s.From, err = mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("SMTP_URL: from %q: %w", from, err)
	}
	return s, nil
}

func (s *SMTPSender) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}

func (s *SMTPSender) host() string {
	h, _, _ := net.SplitHostPort(s.Addr)
	return h
}

// Send delivers msgs over one connection, opened for the batch. A refusal
// of one message (RCPT or DATA answered 4xx/5xx) resets the transaction
// and goes on with the next; a broken connection is reopened once per
// message.
func (s *SMTPSender) Send(ctx context.Context, msgs []Outgoing, done func(Outgoing, error) bool) {
	var c *smtpConn
	defer func() {
		if c != nil {
			c.quit()
		}
	}()
	for _, m := range msgs {
		if c == nil {
			var err error
			if c, err = s.dial(ctx); err != nil {
				// The server is unreachable or refuses us: that is not this
				// message's fault, and the worker pauses the channel.
				done(m, Unavailable(err))
				return
			}
		}
		err := c.send(s, m)
		if c.broken {
			c.close()
			c = nil
		}
		if !done(m, err) {
			return
		}
	}
}

type smtpConn struct {
	conn    net.Conn
	client  *smtp.Client
	timeout time.Duration
	broken  bool // a network error or a failed reset: open a new one
}

func (s *SMTPSender) dial(ctx context.Context) (*smtpConn, error) {
	tlsConfig := &tls.Config{ServerName: s.host(), MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		tlsConfig = s.TLS.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = s.host()
		}
	}
	dctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	var conn net.Conn
	var err error
	if s.Implicit {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(dctx, "tcp", s.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(dctx, "tcp", s.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connexion SMTP %s : %w", s.Addr, err)
	}
	c := &smtpConn{conn: conn, timeout: s.timeout()}
	c.deadline()
	client, err := smtp.NewClient(conn, s.host())
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("accueil SMTP %s : %w", s.Addr, err)
	}
	c.client = client
	if err := client.Hello(heloName(s.From)); err != nil {
		c.close()
		return nil, fmt.Errorf("EHLO : %w", err)
	}
	if !s.Implicit {
		if ok, _ := client.Extension("STARTTLS"); ok {
			if err := client.StartTLS(tlsConfig); err != nil {
				c.close()
				return nil, fmt.Errorf("STARTTLS : %w", err)
			}
		}
	}
	if s.Username != "" {
		if err := client.Auth(smtp.PlainAuth("", s.Username, s.Password, s.host())); err != nil {
			c.close()
			return nil, fmt.Errorf("authentification SMTP : %w", err)
		}
	}
	return c, nil
}

// heloName is the name given in EHLO: the sender's domain is the best
// guess a campaign's server has of its own name.
func heloName(from *mail.Address) string {
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i+1 < len(from.Address) {
		return from.Address[i+1:]
	}
	return "localhost"
}

func (c *smtpConn) deadline() { c.conn.SetDeadline(time.Now().Add(c.timeout)) }

func (c *smtpConn) send(s *SMTPSender, m Outgoing) error {
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		// The address is on the row; logs get no personal data.
		return Permanent(errors.New("adresse e-mail invalide"))
	}
	c.deadline()
	if err := c.client.Mail(s.From.Address); err != nil {
		return c.refused("MAIL FROM", err)
	}
	if err := c.client.Rcpt(to.Address); err != nil {
		return c.refused("RCPT TO", err)
	}
	w, err := c.client.Data()
	if err != nil {
		return c.refused("DATA", err)
	}
	if _, err := w.Write(s.compose(m, to)); err != nil {
		c.broken = true
		return err
	}
	if err := w.Close(); err != nil {
		return c.refused("fin de DATA", err)
	}
	return nil
}

// refused turns an SMTP answer into the message's error and makes the
// connection ready for the next message. 5xx answers to RCPT or DATA
// concern this message (unknown mailbox, rejected content) and are
// permanent; a 5xx to MAIL FROM concerns our sender address (a
// configuration to fix), so the message is retried like after a 4xx.
func (c *smtpConn) refused(step string, err error) error {
	var tpErr *textproto.Error
	if !errors.As(err, &tpErr) {
		c.broken = true
		return fmt.Errorf("%s : %w", step, err)
	}
	if c.client.Reset() != nil {
		c.broken = true
	}
	err = fmt.Errorf("%s refusé par le serveur SMTP : %d %s", step, tpErr.Code, tpErr.Msg)
	if tpErr.Code >= 500 && step != "MAIL FROM" {
		return Permanent(err)
	}
	return err
}

func (c *smtpConn) quit() {
	c.deadline()
	c.client.Quit()
	c.conn.Close()
}

func (c *smtpConn) close() { c.conn.Close() }

// compose writes the message: UTF-8 plain text in quoted-printable, which
// keeps lines short and 7-bit whatever the French body contains.
func (s *SMTPSender) compose(m Outgoing, to *mail.Address) []byte {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.From.String())
	header("To", to.String())
	header("Subject", encodeSubject(m.Subject))
	header("Date", now().Format(time.RFC1123Z))
	header("Message-ID", MessageID(m.ID, m.CreatedAt, heloName(s.From)))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Body, "\r\n", "\n")))
	qp.Close()
	return b.Bytes()
}

// encodeSubject encodes a subject as RFC 2047 words, folded so that no
// header line grows past the limit; line breaks typed by a caller cannot
// inject headers.
func encodeSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}
