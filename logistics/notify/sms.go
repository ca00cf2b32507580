package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// SMSSender posts SMS to an HTTP gateway: one POST per message with the
// JSON body {"to": "+33612345678", "text": "..."}. Any 2xx answer means
// accepted. Adapting to a provider with another format means writing a
// small relay, or another Sender.
type SMSSender struct {
	Endpoint string // URL posted to, without credentials
	Token    string // sent as "Authorization: Bearer <Token>" when set
	Client   *http.Client
	Timeout  time.Duration // per message (default 30 s)
}

// ParseSMSURL reads SMS_URL:
//
//	https://TOKEN@sms.example.org/v1/send
//	https://sms.example.org/v1/send?api_key=KEY
//
// The user part of the URL, if any, is the bearer token (sent in the
// Authorization header, never in the URL); a provider that wants its key
// in the query string gets the query as written.
func ParseSMSURL(raw string) (*SMSSender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("SMS_URL: %w", redact(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("SMS_URL: an http(s) URL with a host is expected")
	}
	s := &SMSSender{}
	if u.User != nil {
		s.Token = u.User.Username()
		if p, ok := u.User.Password(); ok && s.Token == "" {
			s.Token = p // https://:TOKEN@host/ also works
		}
		u.User = nil
	}
	s.Endpoint = u.String()
	return s, nil
}

// e164 is a phone number as contact.Phone stores it.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Send posts each message in turn.
func (s *SMSSender) Send(ctx context.Context, msgs []Outgoing, done func(Outgoing, error) bool) {
	for _, m := range msgs {
		if !done(m, s.post(ctx, m)) {
			return
		}
	}
}

func (s *SMSSender) post(ctx context.Context, m Outgoing) error {
	if !e164.MatchString(m.Recipient) {
		return Permanent(errors.New("numéro de téléphone invalide (format international attendu, +33…)"))
	}
	// In the GSM alphabet when it can be: a curly apostrophe or a "ç" in a
	// name would otherwise bill the text in 70-character parts.
	body, _ := json.Marshal(struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}{m.Recipient, GSMText(m.Body)})
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	// Once posted, the answer is awaited even during a shutdown: dropping
	// it would send the SMS again on the next run.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, s.Endpoint, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	// Same key on every attempt of a row: a gateway that honours it drops
	// the duplicate of a message resent after a crash.
	req.Header.Set("Idempotency-Key", "outbox-"+strconv.FormatInt(m.ID, 10)+"."+strconv.FormatInt(m.CreatedAt.UnixMicro(), 10))
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Unavailable(fmt.Errorf("passerelle SMS injoignable : %w", redact(err)))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("passerelle SMS : %s %s", resp.Status, bytes.TrimSpace(answer))
	// 400, 413 and 422 say this message is wrong (number, text); anything
	// else (401 bad key, 404 wrong URL, 429, 5xx) is the gateway's or our
	// configuration's: the channel pauses and the message is retried.
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return Permanent(err)
	}
	return Unavailable(err)
}

// Providers builds the senders configured by SMTP_URL and SMS_URL. An empty
// URL leaves its channel without a sender: its messages stay pending in
// the outbox, where admins read them. A malformed URL is reported, and the
// other channel still gets its sender.
func Providers(smtpURL, smsURL string) (map[Channel]Sender, error) {
	senders := map[Channel]Sender{}
	var errs []error
	if smtpURL != "" {
		if s, err := ParseSMTPURL(smtpURL); err != nil {
			errs = append(errs, err)
		} else {
			senders[Email] = s
		}
	}
	if smsURL != "" {
		if s, err := ParseSMSURL(smsURL); err != nil {
			errs = append(errs, err)
		} else {
			senders[SMS] = s
		}
	}
	return senders, errors.Join(errs...)
}

// redact drops the URL from a url.Error: it may hold a password or key.
func redact(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
