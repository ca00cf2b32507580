package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a minimal SMTP server for tests: EHLO/HELO, STARTTLS,
// AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It records each message
// it accepts.
type smtpServer struct {
	t        testing.TB
	ln       net.Listener
	addr     string
	tls      *tls.Config // STARTTLS offered when set
	implicit bool        // with tls: TLS from the first byte (smtps)

	// reply, when set, may override the answer to RCPT TO (stage "RCPT")
	// or to the end of DATA (stage "DATA"): return "" for the default.
	// attempt counts the RCPT TO commands seen for rcpt, from 1.
	reply func(stage, rcpt string, attempt int) string
	// beforeAccept runs when a message's data has arrived, before the
	// server answers 250 to it.
	beforeAccept func(n int)

	mu       sync.Mutex
	received []receivedMail
	rcptSeen map[string]int
	arrived  chan receivedMail
}

type receivedMail struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	Auth string // "user:password" given with AUTH PLAIN
}

func startSMTP(t testing.TB, configure ...func(*smtpServer)) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, rcptSeen: map[string]int{}, arrived: make(chan receivedMail, 10000)}
	for _, f := range configure {
		f(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln, s.addr = ln, ln.Addr().String()
	var wg sync.WaitGroup
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(conn, s.implicit)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return s
}

func (s *smtpServer) serve(conn net.Conn, isTLS bool) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 test.local ESMTP")
	var cur receivedMail
	cur.TLS = isTLS
	auth := ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			tp.PrintfLine("250-test.local")
			if s.tls != nil && !cur.TLS && !s.implicit {
				tp.PrintfLine("250-STARTTLS")
			}
			tp.PrintfLine("250-AUTH PLAIN")
			tp.PrintfLine("250 8BITMIME")
		case "HELO":
			tp.PrintfLine("250 test.local")
		case "STARTTLS":
			if s.tls == nil {
				tp.PrintfLine("502 not offered")
				continue
			}
			tp.PrintfLine("220 go ahead")
			tconn := tls.Server(conn, s.tls)
			if err := tconn.Handshake(); err != nil {
				return
			}
			conn = tconn
			tp = textproto.NewConn(conn)
			cur = receivedMail{TLS: true}
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			if strings.ToUpper(mech) != "PLAIN" || err != nil {
				tp.PrintfLine("504 unsupported")
				continue
			}
			parts := strings.Split(string(raw), "\x00")
			if len(parts) != 3 {
				tp.PrintfLine("501 malformed")
				continue
			}
			auth = parts[1] + ":" + parts[2]
			tp.PrintfLine("235 ok")
		case "MAIL":
			cur.From = strings.Trim(strings.TrimPrefix(strings.Fields(arg)[0], "FROM:"), "<>")
			cur.To = nil
			tp.PrintfLine("250 ok")
		case "RCPT":
			rcpt := strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
			s.mu.Lock()
			s.rcptSeen[rcpt]++
			attempt := s.rcptSeen[rcpt]
			s.mu.Unlock()
			if s.reply != nil {
				if r := s.reply("RCPT", rcpt, attempt); r != "" {
					tp.PrintfLine("%s", r)
					continue
				}
			}
			cur.To = append(cur.To, rcpt)
			tp.PrintfLine("250 ok")
		case "DATA":
			if len(cur.To) == 0 {
				tp.PrintfLine("503 no recipient")
				continue
			}
			tp.PrintfLine("354 go on")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			cur.Data, cur.Auth = data, auth
			if s.reply != nil {
				s.mu.Lock()
				attempt := s.rcptSeen[cur.To[0]]
				s.mu.Unlock()
				if r := s.reply("DATA", cur.To[0], attempt); r != "" {
					tp.PrintfLine("%s", r)
					cur = receivedMail{TLS: cur.TLS}
					continue
				}
			}
			s.mu.Lock()
			s.received = append(s.received, cur)
			n := len(s.received)
			s.mu.Unlock()
			if s.beforeAccept != nil {
				s.beforeAccept(n)
			}
			if err := tp.PrintfLine("250 queued"); err == nil {
				select {
				case s.arrived <- cur:
				default: // nobody counts arrivals (benchmarks)
				}
			}
			cur = receivedMail{TLS: cur.TLS}
		case "RSET":
			cur = receivedMail{TLS: cur.TLS}
			tp.PrintfLine("250 ok")
		case "NOOP":
			tp.PrintfLine("250 ok")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("500 unknown command")
		}
	}
}

// messages returns what the server accepted so far.
func (s *smtpServer) messages() []receivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.received...)
}

// attempts is how many RCPT TO the server saw for rcpt.
func (s *smtpServer) attempts(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcptSeen[rcpt]
}

// sender is an SMTPSender for this server.
func (s *smtpServer) sender(t *testing.T, rawURL string) *SMTPSender {
	t.Helper()
	snd, err := ParseSMTPURL(strings.ReplaceAll(rawURL, "HOST", s.addr))
	if err != nil {
		t.Fatal(err)
	}
	snd.Timeout = 10 * time.Second
	return snd
}

// parsedMail is a received message as a reader sees it.
type parsedMail struct {
	Header  mail.Header
	Subject string
	Body    string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("unreadable message: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return parsedMail{Header: msg.Header, Subject: subject, Body: strings.ReplaceAll(string(b), "\r\n", "\n")}
}

// testCert is a self-signed certificate for 127.0.0.1 and the pool that
// trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
