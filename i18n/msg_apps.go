package i18n

import "golang.org/x/text/language"

// appMessages holds the messages of relying applications restricted to an
// account (package authreq). Every language of coreTranslations needs each
// key (the tests check it).
var appMessages = feature{
	source: []any{
		// OIDC error description of a user the application does not
		// admit (authreq/application.go); sent to the relying party, not
		// shown on a page.
		"The user may not sign in to this application.",
	},
	translations: map[language.Tag]map[string]any{
		language.German:     {"The user may not sign in to this application.": "Der Benutzer darf sich bei dieser Anwendung nicht anmelden."},
		language.French:     {"The user may not sign in to this application.": "L’utilisateur n’est pas autorisé à se connecter à cette application."},
		language.Spanish:    {"The user may not sign in to this application.": "El usuario no puede iniciar sesión en esta aplicación."},
		language.Italian:    {"The user may not sign in to this application.": "L’utente non può accedere a questa applicazione."},
		language.Dutch:      {"The user may not sign in to this application.": "De gebruiker mag zich niet aanmelden bij deze applicatie."},
		language.Polish:     {"The user may not sign in to this application.": "Użytkownik nie może zalogować się do tej aplikacji."},
		language.Portuguese: {"The user may not sign in to this application.": "O utilizador não pode iniciar sessão nesta aplicação."},
		language.Swedish:    {"The user may not sign in to this application.": "Användaren får inte logga in i det här programmet."},
		language.Danish:     {"The user may not sign in to this application.": "Brugeren må ikke logge ind i dette program."},
		language.Finnish:    {"The user may not sign in to this application.": "Käyttäjä ei saa kirjautua tähän sovellukseen."},
		language.Czech:      {"The user may not sign in to this application.": "Uživatel se k této aplikaci nesmí přihlásit."},
	},
}
