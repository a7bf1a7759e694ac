package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// startupCheckTimeout bounds the delivery start-up checks.
const startupCheckTimeout = 15 * time.Second

// newDelivery builds the e-mail and SMS transports the configuration asks
// for and runs their start-up checks, so that a misconfigured SMTP server or
// SMS provider stops start-up with a clear error instead of failing on the
// first sign-in. The development outbox lives in <dataDir>/outbox. The
// texter is nil when sms.transport is off.
func newDelivery(ctx context.Context, cfg Config, dataDir string, now func() time.Time, logger *slog.Logger) (notify.Mailer, notify.Texter, error) {
	var outbox *notify.Outbox
	getOutbox := func() (*notify.Outbox, error) {
		if outbox != nil {
			return outbox, nil
		}
		o, err := notify.NewOutbox(filepath.Join(dataDir, "outbox"), logger, now)
		if err != nil {
			return nil, fmt.Errorf("development outbox: %w", err)
		}
		outbox = o
		return o, nil
	}

	var mailer notify.Mailer
	switch cfg.Mail.Transport {
	case "smtp":
		m, err := notify.NewSMTP(notify.SMTPConfig{
			Host:               cfg.Mail.SMTPHost,
			Port:               cfg.Mail.SMTPPort,
			Username:           cfg.Mail.SMTPUsername,
			Password:           cfg.Mail.SMTPPassword,
			From:               cfg.Mail.From,
			TLS:                cfg.Mail.SMTPTLS,
			InsecureSkipVerify: cfg.Mail.SMTPInsecureSkipVerify,
			Timeout:            cfg.Mail.SMTPTimeout,
			HelloName:          cfg.Mail.SMTPHelloName,
			Now:                now,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("mail: %w", err)
		}
		mailer = m
	default:
		o, err := getOutbox()
		if err != nil {
			return nil, nil, err
		}
		mailer = o
	}

	var texter notify.Texter
	switch cfg.SMS.Transport {
	case "off":
	case "twilio":
		t, err := notify.NewTwilio(notify.TwilioConfig{
			AccountSID: cfg.SMS.TwilioAccountSID,
			AuthToken:  cfg.SMS.TwilioAuthToken,
			From:       cfg.SMS.TwilioFrom,
			BaseURL:    cfg.SMS.TwilioBaseURL,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("sms: %w", err)
		}
		texter = t
	case "webhook":
		w, err := notify.NewWebhook(notify.WebhookConfig{URL: cfg.SMS.WebhookURL, Secret: []byte(cfg.SMS.WebhookSecret), Now: now})
		if err != nil {
			return nil, nil, fmt.Errorf("sms: %w", err)
		}
		texter = w
	default:
		o, err := getOutbox()
		if err != nil {
			return nil, nil, err
		}
		texter = o
	}

	cctx, cancel := context.WithTimeout(ctx, startupCheckTimeout)
	defer cancel()
	if err := mailer.StartupCheck(cctx); err != nil {
		return nil, nil, fmt.Errorf("mail: start-up check failed (mail.transport %s): %w", cfg.Mail.Transport, err)
	}
	if texter != nil && texter != notify.Texter(outbox) {
		if err := texter.StartupCheck(cctx); err != nil {
			return nil, nil, fmt.Errorf("sms: start-up check failed (sms.transport %s): %w", cfg.SMS.Transport, err)
		}
	}
	if outbox != nil {
		logger.Warn("development outbox: e-mail and SMS are written to files and the console, not sent", "dir", outbox.Dir())
	}
	return mailer, texter, nil
}

// queueMail returns the mailer of the server's requests. With
// mail.transport smtp it is a notify.Queue over store that seals each
// message, queues it in one small write and returns, so that no request
// (the password or code step among them) waits for the SMTP round trip;
// its worker, started by the caller with Start, sends through mailer and
// must be drained before the database closes. The development outbox
// stays synchronous and the queue is nil: writing a local file costs no
// more than queueing it. The CLI working without a server keeps its
// synchronous transport too: it exits right after the change it mails.
func queueMail(cfg Config, mailer notify.Mailer, store storage.MailQueue, sealer *secret.Sealer, now func() time.Time,
	logger *slog.Logger) (notify.Mailer, *notify.Queue, error) {
	if cfg.Mail.Transport != "smtp" {
		return mailer, nil, nil
	}
	q, err := notify.NewQueue(notify.QueueConfig{Store: store, Sealer: sealer, Mailer: mailer, Now: now, Logger: logger})
	if err != nil {
		return nil, nil, fmt.Errorf("mail: %w", err)
	}
	return q, q, nil
}

// drainMail drains q, when there is one, within timeout.
func drainMail(ctx context.Context, q *notify.Queue, timeout time.Duration) error {
	if q == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := q.Drain(ctx); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}
