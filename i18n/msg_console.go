package i18n

import "golang.org/x/text/language"

// consoleMessages holds the messages of the account console (package console) and its e-mails.
// Every language of coreTranslations needs each key (the tests check it).
var consoleMessages = feature{
	source: []any{},
	translations: map[language.Tag]map[string]any{
		language.German: {}, language.French: {}, language.Spanish: {}, language.Italian: {},
		language.Dutch: {}, language.Polish: {}, language.Portuguese: {}, language.Swedish: {},
		language.Danish: {}, language.Finnish: {}, language.Czech: {},
	},
}
