package i18n

import "golang.org/x/text/language"

// signupMessages holds the messages of registration's SMS step, its first account and the invitation pages (package signup, profile).
// Every language of coreTranslations needs each key (the tests check it).
var signupMessages = feature{
	source: []any{},
	translations: map[language.Tag]map[string]any{
		language.German: {}, language.French: {}, language.Spanish: {}, language.Italian: {},
		language.Dutch: {}, language.Polish: {}, language.Portuguese: {}, language.Swedish: {},
		language.Danish: {}, language.Finnish: {}, language.Czech: {},
	},
}
