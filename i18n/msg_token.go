package i18n

import "golang.org/x/text/language"

// tokenMessages holds the messages of the account picker and the account claims (package login, provider).
// Every language of coreTranslations needs each key (the tests check it).
var tokenMessages = feature{
	source: []any{},
	translations: map[language.Tag]map[string]any{
		language.German: {}, language.French: {}, language.Spanish: {}, language.Italian: {},
		language.Dutch: {}, language.Polish: {}, language.Portuguese: {}, language.Swedish: {},
		language.Danish: {}, language.Finnish: {}, language.Czech: {},
	},
}
