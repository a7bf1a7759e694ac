package i18n

import "golang.org/x/text/language"

// feature holds the messages of one part of the product kept in a file of
// its own (msg_*.go), so that parts built side by side do not edit the
// same lines: its English source and, for each other language, the
// translations. The checks on the core files apply to every feature.
type feature struct {
	source       []any
	translations map[language.Tag]map[string]any
}

// features lists the parts whose messages live in msg_*.go; the later
// ones one per line, so that adding one is a one-line change.
var features = []feature{
	tokenMessages, signupMessages, consoleMessages, consoleNoticeMessages, consoleMailMessages,
	policyMessages, consolePolicyMessages, consoleBusinessMessages, limitMessages, activationMessages,
	setupMessages,
	apiMessages,
	appMessages,
	consoleClientsMessages,
	consoleAppsMessages,
}

// source lists every message in English, the core ones first.
var source = mergeSource(coreSource, features)

// translations maps each language but English to all its messages.
var translations = mergeTranslations(coreTranslations, features)

// mergeSource returns core followed by the source of every feature.
func mergeSource(core []any, fs []feature) []any {
	out := append([]any(nil), core...)
	for _, f := range fs {
		out = append(out, f.source...)
	}
	return out
}

// mergeTranslations returns, for each language of core, its core messages
// and those of every feature. A feature naming a language core lacks is
// kept, so that the completeness test reports it.
func mergeTranslations(core map[language.Tag]map[string]any, fs []feature) map[language.Tag]map[string]any {
	out := make(map[language.Tag]map[string]any, len(core))
	add := func(tag language.Tag, msgs map[string]any) {
		if out[tag] == nil {
			out[tag] = map[string]any{}
		}
		for k, v := range msgs {
			out[tag][k] = v
		}
	}
	for tag, msgs := range core {
		add(tag, msgs)
	}
	for _, f := range fs {
		for tag, msgs := range f.translations {
			add(tag, msgs)
		}
	}
	return out
}
